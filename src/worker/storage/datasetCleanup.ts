// Runs in the worker. Removes chunks that no dataset record points to: what an import left behind
// when its tab closed or crashed before it could commit or discard. Imports in any tab hold a
// shared Web Lock while they write, and cleanup runs only when it can take that lock exclusively,
// so it never deletes the chunks of an import still running in another tab.

import { STORES, getAllRecords, read, write } from './db';
import { chunksOf, storageIdOfKey, type StoredDataset } from './datasetRecords';

const IMPORT_LOCK = 'simplex-studio:dataset-import';

/** Runs `fn` while holding the shared import lock (or plainly where Web Locks are missing). */
export async function withImportLock<T>(fn: () => Promise<T>): Promise<T> {
  if (typeof navigator.locks === 'undefined') return fn();
  return navigator.locks.request(IMPORT_LOCK, { mode: 'shared' }, fn);
}

let cleaned: Promise<void> | null = null;

/** Cleans orphan chunks once per worker session; later calls wait for that one run. */
export function cleanOrphanChunksOnce(): Promise<void> {
  cleaned ??= withCleanupLock(async () => {
    await cleanOrphanChunks();
  }).catch((err: unknown) => {
    // A failed cleanup only costs space; it is retried next session.
    console.warn('Could not clean up unfinished imports.', err);
  });
  return cleaned;
}

async function withCleanupLock(fn: () => Promise<void>): Promise<void> {
  if (typeof navigator.locks === 'undefined') return fn();
  await navigator.locks.request(IMPORT_LOCK, { mode: 'exclusive', ifAvailable: true }, async (lock) => {
    if (lock !== null) await fn();
  });
}

/** Deletes every chunk whose storage id belongs to no dataset record; returns how many ids. */
export async function cleanOrphanChunks(): Promise<number> {
  const keys = await read([STORES.datasetChunks], (tx) => tx.objectStore(STORES.datasetChunks).getAllKeys());
  const datasets = await getAllRecords<StoredDataset>(STORES.datasets);
  const live = new Set(datasets.map((d) => d.storageId));
  const orphans = new Set<string>();
  for (const key of keys) {
    const id = storageIdOfKey(key);
    if (id !== null && !live.has(id)) orphans.add(id);
  }
  if (orphans.size === 0) return 0;
  await write([STORES.datasets, STORES.datasetChunks], (tx) => {
    // Re-checked inside the write: a commit between the two reads above keeps its chunks.
    const current = tx.objectStore(STORES.datasets).getAll() as IDBRequest<StoredDataset[]>;
    current.onsuccess = () => {
      for (const d of current.result) orphans.delete(d.storageId);
      for (const id of orphans) tx.objectStore(STORES.datasetChunks).delete(chunksOf(id));
    };
  });
  return orphans.size;
}
