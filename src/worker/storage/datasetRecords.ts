// Runs in the worker. How datasets sit in IndexedDB: one metadata record per kind in `datasets`,
// written only when an import is complete, and its records in `datasetChunks` under a storage id
// that is new for every import, so a new import never touches the chunks of the one it replaces.

import type { DatasetInfo, DatasetKind, DatasetSplit } from '../../protocol/commands/data';

export { IMAGE_BYTES } from '../../engine/formats/cifarLayout';

/** The metadata record (store `datasets`, key `id`). */
export interface StoredDataset extends DatasetInfo {
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
