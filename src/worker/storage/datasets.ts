// Runs in the worker. The datasets as the rest of the studio reads them: listing, deleting, the
// sample grid, and `loadSplit`, which training uses to get one split back as a CPU array (the
// whole set never goes to the GPU; the engine's batch assembly makes per-batch tensors from it).
// Every read of a whole split checks its counts and CRCs against the metadata.

import {
  DATASET_KINDS,
  type DatasetInfo,
  type DatasetKind,
  type DatasetProgress,
  type DatasetSplit,
} from '../../protocol/commands/data';
import type { LabeledImages } from '../../engine/data/labeledImages';
import { StudioError } from '../../protocol/errors';
import { STORES, getAllRecords, getRecord, openDb, storageError, write } from './db';
import { crc32 } from './crc32';
import { cleanOrphanChunksOnce } from './datasetCleanup';
import { IMAGE_BYTES, chunksOf, chunksOfSplit, type StoredChunk, type StoredDataset } from './datasetRecords';
import { publicInfo } from './datasetWriter';
import { ensureSyntheticDataset } from './syntheticDataset';

export type { DatasetInfo, DatasetKind, DatasetSplit };

/** One split in memory, ready for batch assembly (a LabeledImages for the engine's loaders). */
export interface LoadedSplit extends LabeledImages {
  datasetId: DatasetKind;
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
}

/** Every stored dataset, the synthetic one generated first if it is missing. */
export async function listDatasets(progress?: (p: DatasetProgress) => void): Promise<DatasetInfo[]> {
  await cleanOrphanChunksOnce();
  await ensureSyntheticDataset(progress);
  const records = await getAllRecords<StoredDataset>(STORES.datasets);
  return records
    .sort((a, b) => DATASET_KINDS.indexOf(a.kind) - DATASET_KINDS.indexOf(b.kind))
    .map(publicInfo);
}

/** The metadata of one dataset; NOT_FOUND with a hint when it was never imported. */
export async function getDataset(id: DatasetKind): Promise<StoredDataset> {
  await cleanOrphanChunksOnce();
  if (id === 'synthetic') await ensureSyntheticDataset();
  const record = await getRecord<StoredDataset>(STORES.datasets, id);
  if (!record) {
    const title = id === 'cifar10' ? 'CIFAR-10' : id === 'cifar100' ? 'CIFAR-100' : id;
    throw new StudioError(
      'NOT_FOUND',
      `No ${title} dataset is stored in this browser: import or download it in the Data section.`,
    );
  }
  return record;
}

/** Deletes a dataset and its chunks in one transaction; false when there was none. */
export async function deleteDataset(id: DatasetKind): Promise<boolean> {
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
export async function loadSplit(datasetId: DatasetKind, split: DatasetSplit): Promise<LoadedSplit> {
  const record = await getDataset(datasetId);
  const expected = record.splits[split];
  const count = expected.count;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  const hasCoarse = expected.coarseCrc32 !== undefined;
  const coarse = hasCoarse ? new Uint8Array(count) : null;
  let filled = 0;
  let chunks = 0;
  await forEachChunk(record.storageId, split, (chunk) => {
    const n = chunk.labels.length;
    if (
      filled + n > count ||
      chunk.images.length !== n * IMAGE_BYTES ||
      (coarse && chunk.coarse?.length !== n)
    ) {
      throw damaged(record, split, 'a stored chunk has the wrong size');
    }
    images.set(chunk.images, filled * IMAGE_BYTES);
    labels.set(chunk.labels, filled);
    if (coarse && chunk.coarse) coarse.set(chunk.coarse, filled);
    filled += n;
    chunks += 1;
    return true;
  });
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
  };
  if (coarse) loaded.coarseLabels = coarse;
  return loaded;
}

/** The first `count` images of a split (fewer when the split is smaller), for previews. */
export async function readSamples(
  datasetId: DatasetKind,
  split: DatasetSplit,
  count: number,
): Promise<{ images: Uint8Array; labels: Uint8Array }> {
  const record = await getDataset(datasetId);
  const n = Math.max(0, Math.min(Math.floor(count), record.splits[split].count));
  const images = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Uint8Array(n);
  let filled = 0;
  await forEachChunk(record.storageId, split, (chunk) => {
    const take = Math.min(n - filled, chunk.labels.length);
    images.set(chunk.images.subarray(0, take * IMAGE_BYTES), filled * IMAGE_BYTES);
    labels.set(chunk.labels.subarray(0, take), filled);
    filled += take;
    return filled < n;
  });
  return { images: images.subarray(0, filled * IMAGE_BYTES), labels: labels.subarray(0, filled) };
}

/** Reads both splits back through loadSplit's checks and counts the labels found. */
export async function verifyDataset(
  datasetId: DatasetKind,
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

/**
 * Calls `visit` with each chunk of a split in index order inside one readonly transaction, until
 * it returns false. A throw from `visit` rejects the whole read.
 */
async function forEachChunk(
  storageId: string,
  split: DatasetSplit,
  visit: (chunk: StoredChunk) => boolean,
): Promise<void> {
  const db = await openDb();
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction([STORES.datasetChunks], 'readonly');
    const cursor = tx.objectStore(STORES.datasetChunks).openCursor(chunksOfSplit(storageId, split));
    let failure: unknown = null;
    cursor.onsuccess = () => {
      const at = cursor.result;
      if (!at) return;
      try {
        if (visit(at.value as StoredChunk)) at.continue();
      } catch (err) {
        failure = err;
        tx.abort();
      }
    };
    tx.oncomplete = () => {
      resolve();
    };
    tx.onabort = () => {
      reject(failure instanceof StudioError ? failure : storageError(failure ?? tx.error));
    };
  });
}

function damaged(record: StoredDataset, split: DatasetSplit, detail: string): StudioError {
  return new StudioError(
    'BAD_DATASET',
    `The stored ${record.name} ${split} split is damaged (${detail}). Delete it in the Data section and import it again.`,
  );
}
