// Runs in the worker. Stores a dataset as it streams in and commits it atomically: chunks are
// written under a fresh storage id while they arrive; the metadata record is written only at the
// end, in the same transaction that removes the dataset of the same id it replaces. Anything that
// stops an import before that (bad bytes, cancel, full disk) leaves the earlier dataset untouched,
// and `discard()` removes the partial chunks (startup cleanup catches them if the tab dies first).

import type {
  DatasetId,
  DatasetInfo,
  DatasetKind,
  DatasetSplit,
  SplitInfo,
} from '../../protocol/commands/data';
import type { NormalisationData } from '../../protocol/commands/models';
import { ChannelStats } from '../../engine/data/channelStats';
import { REFERENCE_NORMALIZATION } from '../../engine/data/normalization';
import { StudioError } from '../../protocol/errors';
import { STORES, write } from './db';
import { crc32 } from '../../engine/data/checksum';
import {
  IMAGE_BYTES,
  chunksOf,
  exact,
  newStorageId,
  type ChunkKey,
  type StoredChunk,
  type StoredDataset,
} from './datasetRecords';

export interface IncomingChunk {
  split: DatasetSplit;
  images: Uint8Array;
  labels: Uint8Array;
  coarse?: Uint8Array;
}

/** What only the end of an import knows. */
export interface DatasetDescription {
  name: string;
  classNames: string[];
  coarseClassNames?: string[];
  sources: string[];
  warnings: string[];
}

/** How a dataset's normalisation is chosen: the reference's values, or measured on its train split. */
export type NormalisationRule = 'reference' | 'measured';

interface SplitTally {
  count: number;
  chunks: number;
  classCounts: number[];
  imagesCrc32: number;
  labelsCrc32: number;
  /** Null until a chunk with superclass labels arrives (CIFAR-100). */
  coarseCrc32: number | null;
}

function emptyTally(): SplitTally {
  return { count: 0, chunks: 0, classCounts: [], imagesCrc32: 0, labelsCrc32: 0, coarseCrc32: null };
}

export class DatasetWriter {
  readonly storageId: string;
  private readonly tallies: Record<DatasetSplit, SplitTally> = { train: emptyTally(), test: emptyTally() };
  private bytes = 0;
  private finished = false;
  private readonly stats: ChannelStats | null;

  constructor(
    readonly kind: DatasetKind,
    normalisation: NormalisationRule = 'reference',
  ) {
    this.storageId = newStorageId(kind);
    this.stats = normalisation === 'measured' ? new ChannelStats() : null;
  }

  /** Records stored so far over both splits. */
  get records(): number {
    return this.tallies.train.count + this.tallies.test.count;
  }

  /** Writes one chunk (its own transaction, so memory holds one chunk at a time). */
  async add(chunk: IncomingChunk): Promise<void> {
    if (this.finished) throw new StudioError('INTERNAL', 'DatasetWriter used after commit or discard.');
    const n = chunk.labels.length;
    if (n === 0) return;
    if (chunk.images.length !== n * IMAGE_BYTES || (chunk.coarse && chunk.coarse.length !== n)) {
      throw new StudioError(
        'INTERNAL',
        `A record chunk holds ${n} labels but ${chunk.images.length} image bytes.`,
      );
    }
    const tally = this.tallies[chunk.split];
    const key: ChunkKey = [this.storageId, chunk.split, tally.chunks];
    const value: StoredChunk = { images: exact(chunk.images), labels: exact(chunk.labels) };
    if (chunk.coarse) value.coarse = exact(chunk.coarse);
    await write([STORES.datasetChunks], (tx) => {
      tx.objectStore(STORES.datasetChunks).put(value, key);
    });
    tally.chunks += 1;
    tally.count += n;
    tally.imagesCrc32 = crc32(chunk.images, tally.imagesCrc32);
    tally.labelsCrc32 = crc32(chunk.labels, tally.labelsCrc32);
    if (chunk.coarse) tally.coarseCrc32 = crc32(chunk.coarse, tally.coarseCrc32 ?? 0);
    for (const label of chunk.labels) tally.classCounts[label] = (tally.classCounts[label] ?? 0) + 1;
    if (chunk.split === 'train') this.stats?.add(chunk.images);
    this.bytes += chunk.images.length + n + (chunk.coarse ? n : 0);
  }

  /**
   * Writes the metadata under `id` (default: the kind, one dataset per kind) and drops the dataset
   * stored under it before, in one transaction: after it commits the new dataset is complete and
   * the old one gone; if it fails, nothing changed.
   */
  async commit(description: DatasetDescription, id: DatasetId = this.kind): Promise<DatasetInfo> {
    const numClasses = description.classNames.length;
    for (const split of ['train', 'test'] as const) {
      const tally = this.tallies[split];
      if (tally.count === 0) {
        throw new StudioError('BAD_DATASET', `The ${split} split is empty: nothing was stored.`);
      }
      if (tally.classCounts.length > numClasses) {
        throw new StudioError(
          'BAD_DATASET',
          `A ${split} label is ${tally.classCounts.length - 1}, but the dataset has ${numClasses} classes.`,
        );
      }
    }
    const record: StoredDataset = {
      id,
      kind: this.kind,
      name: description.name,
      classNames: description.classNames,
      splits: { train: this.splitInfo('train', numClasses), test: this.splitInfo('test', numClasses) },
      checksum: this.checksum(),
      bytes: this.bytes,
      createdAt: Date.now(),
      sources: description.sources,
      warnings: description.warnings,
      normalisation: this.normalisation(),
      storageId: this.storageId,
    };
    if (description.coarseClassNames) record.coarseClassNames = description.coarseClassNames;
    this.finished = true;
    try {
      await write([STORES.datasets, STORES.datasetChunks], (tx) => {
        const datasets = tx.objectStore(STORES.datasets);
        const previous = datasets.get(id) as IDBRequest<StoredDataset | undefined>;
        previous.onsuccess = () => {
          const old = previous.result;
          if (old && old.storageId !== this.storageId) {
            tx.objectStore(STORES.datasetChunks).delete(chunksOf(old.storageId));
          }
          datasets.put(record);
        };
      });
    } catch (err) {
      await this.deleteChunks();
      throw err;
    }
    return publicInfo(record);
  }

  /** Drops the partial chunks; never throws (startup cleanup retries what this misses). */
  async discard(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.deleteChunks();
  }

  private async deleteChunks(): Promise<void> {
    try {
      await write([STORES.datasetChunks], (tx) => {
        tx.objectStore(STORES.datasetChunks).delete(chunksOf(this.storageId));
      });
    } catch (err) {
      console.warn('Could not remove the chunks of an unfinished import; they go at the next start.', err);
    }
  }

  private splitInfo(split: DatasetSplit, numClasses: number): SplitInfo {
    const t = this.tallies[split];
    const classCounts = Array.from({ length: numClasses }, (_, c) => t.classCounts[c] ?? 0);
    const info: SplitInfo = {
      count: t.count,
      chunks: t.chunks,
      classCounts,
      imagesCrc32: t.imagesCrc32,
      labelsCrc32: t.labelsCrc32,
    };
    if (t.coarseCrc32 !== null) info.coarseCrc32 = t.coarseCrc32;
    return info;
  }

  private normalisation(): NormalisationData {
    if (!this.stats) return referenceNormalisation();
    const measured = this.stats.result();
    if (!measured) {
      throw new StudioError(
        'BAD_DATASET',
        'Every training pixel has the same value in some channel: there is nothing to learn from these images.',
      );
    }
    return { mean: [...measured.mean], std: [...measured.std] };
  }

  private checksum(): string {
    const { train, test } = this.tallies;
    return datasetChecksum({
      train: { ...train, coarseCrc32: train.coarseCrc32 ?? undefined },
      test: { ...test, coarseCrc32: test.coarseCrc32 ?? undefined },
    });
  }
}

/** One hex digest over the splits' counts and CRCs. */
export function datasetChecksum(
  splits: Record<
    DatasetSplit,
    { count: number; imagesCrc32: number; labelsCrc32: number; coarseCrc32?: number }
  >,
): string {
  const words = new Uint32Array(8);
  (['train', 'test'] as const).forEach((split, i) => {
    const s = splits[split];
    words.set([s.count, s.imagesCrc32, s.labelsCrc32, s.coarseCrc32 ?? 0], i * 4);
  });
  return crc32(new Uint8Array(words.buffer)).toString(16).padStart(8, '0');
}

/** The reference's ImageNet values, as CIFAR and synthetic datasets normalise. */
export function referenceNormalisation(): NormalisationData {
  return { mean: [...REFERENCE_NORMALIZATION.mean], std: [...REFERENCE_NORMALIZATION.std] };
}

/** The metadata without storage internals, as the page sees it. */
export function publicInfo(record: StoredDataset): DatasetInfo {
  const info: DatasetInfo & { storageId?: string } = {
    ...record,
    normalisation: record.normalisation ?? referenceNormalisation(),
  };
  delete info.storageId;
  return info;
}
