// Runs in the worker. How datasets sit in IndexedDB: one metadata record per dataset id in
// `datasets` (the kind for CIFAR and synthetic, `idx:<name>` for IDX sets), written only when an
// import is complete, and its records in `datasetChunks` under a storage id
// that is new for every import, so a new import never touches the chunks of the one it replaces.

import type { DatasetInfo, DatasetKind, DatasetSplit } from '../../protocol/commands/data';
import { IMAGE_BYTES } from '../../engine/formats/cifarLayout';

export { IMAGE_BYTES };

/**
 * The metadata record (store `datasets`, key `id`). Records written before normalisation was
 * stored lack it; publicInfo fills in the reference's values they were trained with.
 */
export interface StoredDataset extends Omit<DatasetInfo, 'normalisation'> {
  normalisation?: DatasetInfo['normalisation'];
  /** First element of every chunk key of this dataset. */
  storageId: string;
}

/** A chunk record (store `datasetChunks`, key `[storageId, split, index]`). */
export interface StoredChunk {
  /** n×3072 bytes, each image CHW as in the CIFAR files. */
  images: Uint8Array;
  /** n class labels. */
  labels: Uint8Array;
  /** CIFAR-100 only: n superclass labels. */
  coarse?: Uint8Array;
}

export type ChunkKey = [storageId: string, split: DatasetSplit, index: number];

export function newStorageId(kind: DatasetKind): string {
  return `${kind}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 10)}`;
}

/** Every chunk of one import: arrays sort after strings and numbers, so [id, []] bounds them. */
export function chunksOf(storageId: string): IDBKeyRange {
  return IDBKeyRange.bound([storageId], [storageId, []]);
}

/** The chunks of one split, in index order. */
export function chunksOfSplit(storageId: string, split: DatasetSplit): IDBKeyRange {
  return IDBKeyRange.bound([storageId, split, 0], [storageId, split, Infinity]);
}

export function storageIdOfKey(key: IDBValidKey): string | null {
  return Array.isArray(key) && typeof key[0] === 'string' ? key[0] : null;
}

/** Structured clone copies a view's whole buffer: store exact-size arrays only. */
export function exact(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}

/**
 * The last `want` records of a split (all of them when it has fewer), filled from its chunks visited
 * last first (index chunks − 1, then down), so only the chunks that hold them need reading. Chunks
 * vary in size (an import cuts at file ends), so the tail is the one range found without reading
 * what comes before it. `damaged` makes the error for chunks that do not fit the stored counts.
 */
export class SplitTail {
  /** Records in the tail. */
  readonly count: number;
  /** Index of the tail's first record in the split. */
  readonly first: number;
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly coarse: Uint8Array | null;
  /** Records still to fill: the tail's [0, missing) is empty. */
  private missing: number;
  private nextIndex: number;
  /** Records in the chunks taken so far. */
  private seen = 0;

  constructor(
    private readonly split: { count: number; chunks: number; coarseCrc32?: number },
    want: number,
    private readonly damaged: (detail: string) => Error,
  ) {
    this.count = Math.max(0, Math.min(Math.floor(want), split.count));
    this.first = split.count - this.count;
    this.images = new Uint8Array(this.count * IMAGE_BYTES);
    this.labels = new Uint8Array(this.count);
    this.coarse = split.coarseCrc32 !== undefined ? new Uint8Array(this.count) : null;
    this.missing = this.count;
    this.nextIndex = split.chunks - 1;
  }

  /** Copies the chunk's records that fall in the tail; true while earlier records are missing. */
  take(chunk: StoredChunk, index: number): boolean {
    const n = chunk.labels.length;
    if (index !== this.nextIndex)
      throw this.damaged(`chunk ${index} read where chunk ${this.nextIndex} belongs`);
    if (
      this.seen + n > this.split.count ||
      chunk.images.length !== n * IMAGE_BYTES ||
      (this.coarse && chunk.coarse?.length !== n)
    ) {
      throw this.damaged('a stored chunk has the wrong size');
    }
    this.seen += n;
    this.nextIndex -= 1;
    const take = Math.min(this.missing, n);
    const at = this.missing - take;
    this.images.set(chunk.images.subarray((n - take) * IMAGE_BYTES), at * IMAGE_BYTES);
    this.labels.set(chunk.labels.subarray(n - take), at);
    if (this.coarse && chunk.coarse) this.coarse.set(chunk.coarse.subarray(n - take), at);
    this.missing = at;
    return this.missing > 0;
  }

  /** Throws when the chunks ran out before the tail was full. */
  finish(): void {
    if (this.missing > 0) {
      throw this.damaged(
        `${this.count - this.missing} of the last ${this.count} images in the stored chunks`,
      );
    }
  }
}
