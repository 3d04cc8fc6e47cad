// Runs in the worker. The datasets as the rest of the studio reads them: listing, deleting, the
// sample grid, and `loadSplit`, which training uses to get one split back as a CPU array (the
// whole set never goes to the GPU; the engine's batch assembly makes per-batch tensors from it).
// Every read of a whole split checks its counts and CRCs against the metadata; `loadSplitTail`
// reads only the chunks that hold a split's last images.

import {
  DATASET_KINDS,
  type DatasetId,
  type DatasetInfo,
  type DatasetKind,
  type DatasetProgress,
  type DatasetSplit,
} from '../../protocol/commands/data';
import type { NormalisationData } from '../../protocol/commands/models';
import type { LabeledImages } from '../../engine/data/labeledImages';
import { StudioError } from '../../protocol/errors';
import { STORES, getAllRecords, getRecord, openDb, storageError, write } from './db';
import { crc32 } from '../../engine/data/checksum';
import { cleanOrphanChunksOnce } from './datasetCleanup';
import {
  IMAGE_BYTES,
  SplitTail,
  chunksOf,
  chunksOfSplit,
  type ChunkKey,
  type StoredChunk,
  type StoredDataset,
} from './datasetRecords';
import { publicInfo, referenceNormalisation } from './datasetWriter';
import { ensureSyntheticDataset } from './syntheticDataset';

export type { DatasetId, DatasetInfo, DatasetKind, DatasetSplit };

/** One split in memory, ready for batch assembly (a LabeledImages for the engine's loaders). */
export interface LoadedSplit extends LabeledImages {
  datasetId: DatasetId;
  split: DatasetSplit;
  /** count×3072 bytes: image i is bytes [i·3072, (i+1)·3072), CHW (1024 R, 1024 G, 1024 B). */
  images: Uint8Array;
  /** count class labels, each < numClasses. */
  labels: Uint8Array;
  /** CIFAR-100 only: count superclass labels. */
  coarseLabels?: Uint8Array;
  count: number;
  numClasses: number;
  classNames: string[];
  /** The dataset's checksum: a run stores it to notice when the data under it changed. */
  checksum: string;
  /** What inputs are normalised with (DatasetInfo.normalisation). */
  normalisation: NormalisationData;
}

/** Every stored dataset, the synthetic one generated first if it is missing. */
export async function listDatasets(progress?: (p: DatasetProgress) => void): Promise<DatasetInfo[]> {
  await cleanOrphanChunksOnce();
  await ensureSyntheticDataset(progress);
  const records = await getAllRecords<StoredDataset>(STORES.datasets);
  return records
    .sort(
      (a, b) => DATASET_KINDS.indexOf(a.kind) - DATASET_KINDS.indexOf(b.kind) || a.name.localeCompare(b.name),
    )
    .map(publicInfo);
}

/** The metadata of one dataset; NOT_FOUND with a hint when it was never imported. */
export async function getDataset(id: DatasetId): Promise<StoredDataset> {
  await prepare(id);
  const record = await getRecord<StoredDataset>(STORES.datasets, id);
  if (!record) throw notFound(id);
  return record;
}

/** Startup cleanup, and the synthetic set generated when it is the one asked for. */
async function prepare(id: DatasetId): Promise<void> {
  await cleanOrphanChunksOnce();
  if (id === 'synthetic') await ensureSyntheticDataset();
}

function notFound(id: DatasetId): StudioError {
  const title =
    id === 'cifar10'
      ? 'CIFAR-10'
      : id === 'cifar100'
        ? 'CIFAR-100'
        : /^(idx|folder):/.test(id)
          ? `dataset named "${id.slice(id.indexOf(':') + 1)}"`
          : id;
  return new StudioError(
    'NOT_FOUND',
    `No ${title} dataset is stored in this browser: import or download it in the Data section.`,
  );
}

/** Deletes a dataset and its chunks in one transaction; false when there was none. */
export async function deleteDataset(id: DatasetId): Promise<boolean> {
  await cleanOrphanChunksOnce();
  return write([STORES.datasets, STORES.datasetChunks], (tx) => {
    const found = { deleted: false };
    const get = tx.objectStore(STORES.datasets).get(id) as IDBRequest<StoredDataset | undefined>;
    get.onsuccess = () => {
      const record = get.result;
      if (!record) return;
      found.deleted = true;
      tx.objectStore(STORES.datasets).delete(id);
      tx.objectStore(STORES.datasetChunks).delete(chunksOf(record.storageId));
    };
    return found;
  }).then((found) => found.deleted);
}

/**
 * Reads one split back into one array per field, checking chunk count, record count and CRCs.
 * Throws NOT_FOUND when the dataset is not stored, BAD_DATASET when the stored bytes are damaged.
 */
export async function loadSplit(datasetId: DatasetId, split: DatasetSplit): Promise<LoadedSplit> {
  // Filled inside the read's callbacks (so one object, not locals TypeScript would narrow).
  const got = {
    count: 0,
    images: new Uint8Array(0),
    labels: new Uint8Array(0),
    coarse: null as Uint8Array | null,
    filled: 0,
    chunks: 0,
  };
  const record = await readSplit(datasetId, split, {
    begin(found) {
      const { count, coarseCrc32 } = found.splits[split];
      got.count = count;
      got.images = new Uint8Array(count * IMAGE_BYTES);
      got.labels = new Uint8Array(count);
      got.coarse = coarseCrc32 !== undefined ? new Uint8Array(count) : null;
    },
    visit(chunk, found) {
      const n = chunk.labels.length;
      if (
        got.filled + n > got.count ||
        chunk.images.length !== n * IMAGE_BYTES ||
        (got.coarse && chunk.coarse?.length !== n)
      ) {
        throw damaged(found, split, 'a stored chunk has the wrong size');
      }
      got.images.set(chunk.images, got.filled * IMAGE_BYTES);
      got.labels.set(chunk.labels, got.filled);
      if (got.coarse && chunk.coarse) got.coarse.set(chunk.coarse, got.filled);
      got.filled += n;
      got.chunks += 1;
      return true;
    },
  });
  const expected = record.splits[split];
  const { count, images, labels, coarse, filled, chunks } = got;
  if (filled !== count || chunks !== expected.chunks) {
    throw damaged(record, split, `${filled} of ${count} images in ${chunks} of ${expected.chunks} chunks`);
  }
  if (
    crc32(images) !== expected.imagesCrc32 ||
    crc32(labels) !== expected.labelsCrc32 ||
    (coarse && crc32(coarse) !== expected.coarseCrc32)
  ) {
    throw damaged(record, split, 'the checksum does not match');
  }
  for (const label of labels) {
    if (label >= record.classNames.length) throw damaged(record, split, `label ${label} is out of range`);
  }
  const loaded: LoadedSplit = {
    datasetId,
    split,
    images,
    labels,
    count,
    numClasses: record.classNames.length,
    classNames: record.classNames,
    checksum: record.checksum,
    normalisation: record.normalisation ?? referenceNormalisation(),
  };
  if (coarse) loaded.coarseLabels = coarse;
  return loaded;
}

/**
 * The last `count` images of a split (all of them when it has fewer) as a LoadedSplit, with the
 * index of its first image in the split: the held-out slice for temperature scaling, read without
 * the rest of the split. Checks chunk order, sizes and labels; the stored CRCs cover whole splits,
 * so only loadSplit can check them.
 */
export async function loadSplitTail(
  datasetId: DatasetId,
  split: DatasetSplit,
  count: number,
): Promise<{ slice: LoadedSplit; first: number }> {
  const got = { tail: null as SplitTail | null };
  const record = await readSplit(
    datasetId,
    split,
    {
      begin(found) {
        got.tail = new SplitTail(found.splits[split], count, (detail) => damaged(found, split, detail));
      },
      visit(chunk, _found, index) {
        return (got.tail as SplitTail).take(chunk, index);
      },
    },
    'prev',
  );
  const tail = got.tail as SplitTail;
  tail.finish();
  for (const label of tail.labels) {
    if (label >= record.classNames.length) throw damaged(record, split, `label ${label} is out of range`);
  }
  const slice: LoadedSplit = {
    datasetId,
    split,
    images: tail.images,
    labels: tail.labels,
    count: tail.count,
    numClasses: record.classNames.length,
    classNames: record.classNames,
    checksum: record.checksum,
    normalisation: record.normalisation ?? referenceNormalisation(),
  };
  if (tail.coarse) slice.coarseLabels = tail.coarse;
  return { slice, first: tail.first };
}

/** The first `count` images of a split (fewer when the split is smaller), for previews. */
export async function readSamples(
  datasetId: DatasetId,
  split: DatasetSplit,
  count: number,
): Promise<{ images: Uint8Array; labels: Uint8Array }> {
  const got = { n: 0, images: new Uint8Array(0), labels: new Uint8Array(0), filled: 0 };
  await readSplit(datasetId, split, {
    begin(found) {
      got.n = Math.max(0, Math.min(Math.floor(count), found.splits[split].count));
      got.images = new Uint8Array(got.n * IMAGE_BYTES);
      got.labels = new Uint8Array(got.n);
    },
    visit(chunk) {
      const take = Math.min(got.n - got.filled, chunk.labels.length);
      got.images.set(chunk.images.subarray(0, take * IMAGE_BYTES), got.filled * IMAGE_BYTES);
      got.labels.set(chunk.labels.subarray(0, take), got.filled);
      got.filled += take;
      return got.filled < got.n;
    },
  });
  return {
    images: got.images.subarray(0, got.filled * IMAGE_BYTES),
    labels: got.labels.subarray(0, got.filled),
  };
}

/** Reads both splits back through loadSplit's checks and counts the labels found. */
export async function verifyDataset(
  datasetId: DatasetId,
): Promise<{ checksum: string; splits: Record<DatasetSplit, { count: number; classCounts: number[] }> }> {
  const tally = async (split: DatasetSplit) => {
    const loaded = await loadSplit(datasetId, split);
    const classCounts = new Array<number>(loaded.numClasses).fill(0);
    for (const label of loaded.labels) classCounts[label] = (classCounts[label] ?? 0) + 1;
    return { loaded, result: { count: loaded.count, classCounts } };
  };
  const train = await tally('train');
  const test = await tally('test');
  return { checksum: train.loaded.checksum, splits: { train: train.result, test: test.result } };
}

interface SplitReader {
  /** Called once with the metadata read in the same transaction as the chunks. */
  begin(record: StoredDataset): void;
  /**
   * Called per chunk, with its index, in index order (descending for 'prev') until it returns
   * false; a throw rejects the whole read.
   */
  visit(chunk: StoredChunk, record: StoredDataset, index: number): boolean;
}

/**
 * Reads a dataset's metadata and then its chunks of one split in one readonly transaction, so an
 * import that replaces the dataset meanwhile is seen either wholly or not at all.
 */
async function readSplit(
  datasetId: DatasetId,
  split: DatasetSplit,
  reader: SplitReader,
  direction: 'next' | 'prev' = 'next',
): Promise<StoredDataset> {
  await prepare(datasetId);
  const db = await openDb();
  const record = await new Promise<StoredDataset | undefined>((resolve, reject) => {
    const tx = db.transaction([STORES.datasets, STORES.datasetChunks], 'readonly');
    let found: StoredDataset | undefined;
    let failure: unknown = null;
    const fail = (err: unknown): void => {
      failure = err;
      tx.abort();
    };
    const get = tx.objectStore(STORES.datasets).get(datasetId) as IDBRequest<StoredDataset | undefined>;
    get.onsuccess = () => {
      found = get.result;
      if (!found) return;
      const record = found;
      try {
        reader.begin(record);
      } catch (err) {
        fail(err);
        return;
      }
      const cursor = tx
        .objectStore(STORES.datasetChunks)
        .openCursor(chunksOfSplit(record.storageId, split), direction);
      cursor.onsuccess = () => {
        const at = cursor.result;
        if (!at) return;
        try {
          if (reader.visit(at.value as StoredChunk, record, (at.primaryKey as ChunkKey)[2])) at.continue();
        } catch (err) {
          fail(err);
        }
      };
    };
    tx.oncomplete = () => {
      resolve(found);
    };
    tx.onabort = () => {
      reject(failure instanceof StudioError ? failure : storageError(failure ?? tx.error));
    };
  });
  if (!record) throw notFound(datasetId);
  return record;
}

function damaged(record: StoredDataset, split: DatasetSplit, detail: string): StudioError {
  return new StudioError(
    'BAD_DATASET',
    `The stored ${record.name} ${split} split is damaged (${detail}). Delete it in the Data section and import it again.`,
  );
}
