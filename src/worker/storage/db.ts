// Runs in the worker. The studio's one IndexedDB database and its schema. Every write goes
// through `write()` with strict durability, so a reload never loses a committed transaction, and
// a full disk becomes QUOTA_EXCEEDED with the previous data untouched (the transaction aborts).

import { StudioError } from '../../protocol/errors';
import { CHANGES_CHANNEL, type ChangeMessage, type ChangedList } from '../../protocol/changes';

export const DB_NAME = 'simplex-studio';
/** 2 added `paths`; an upgrade creates what a profile lacks and keeps everything it holds. */
const DB_VERSION = 2;

/** Object stores and their keys. Values are plain structured-clonable records. */
export const STORES = {
  /** Dataset metadata (counts, class names, checksum), key `id`. Present only for complete imports. */
  datasets: 'datasets',
  /** Record chunks, key [datasetId, split, index]. */
  datasetChunks: 'datasetChunks',
  /** Runs: settings, state, metric history; key `id`. */
  runs: 'runs',
  /** The latest checkpoint of each run, key `runId`, written in one transaction per epoch. */
  checkpoints: 'checkpoints',
  /** The model library: vertices in tfjs layout plus metadata; key `id`. */
  models: 'models',
  /** Computed loss-surface grids, key `id`. */
  surfaces: 'surfaces',
  /** A run's training path: its weights after each epoch (the keepPath setting), key [runId, epoch]. */
  paths: 'paths',
} as const;
export type StoreName = (typeof STORES)[keyof typeof STORES];

let opening: Promise<IDBDatabase> | null = null;

export function openDb(): Promise<IDBDatabase> {
  opening ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      const create = (name: StoreName, options?: IDBObjectStoreParameters) => {
        if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, options);
      };
      create(STORES.datasets, { keyPath: 'id' });
      create(STORES.datasetChunks);
      create(STORES.runs, { keyPath: 'id' });
      create(STORES.checkpoints, { keyPath: 'runId' });
      create(STORES.models, { keyPath: 'id' });
      create(STORES.surfaces, { keyPath: 'id' });
      create(STORES.paths, { keyPath: ['runId', 'epoch'] });
    };
    request.onsuccess = () => {
      resolve(request.result);
    };
    request.onerror = () => {
      opening = null;
      reject(storageError(request.error));
    };
    request.onblocked = () => {
      opening = null;
      reject(
        new StudioError(
          'STORAGE',
          'The studio is open in another tab with an older version: close it and reload.',
        ),
      );
    };
  });
  return opening;
}

/**
 * Runs `fn` in one readwrite transaction over `stores` and resolves once it has committed to disk.
 * Anything `fn` queues is all-or-nothing: an exception or a quota error aborts every write.
 */
export async function write<T>(stores: StoreName[], fn: (tx: IDBTransaction) => T): Promise<T> {
  const db = await openDb();
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(stores, 'readwrite', { durability: 'strict' });
    let value: T;
    tx.oncomplete = () => {
      announce(stores);
      resolve(value);
    };
    tx.onabort = () => {
      reject(storageError(tx.error));
    };
    try {
      value = fn(tx);
    } catch (err) {
      tx.abort();
      reject(err instanceof StudioError ? err : storageError(err));
    }
  });
}

/** The lists a page shows, by the store that holds them (chunks and surfaces change no list). */
const LISTED: Partial<Record<StoreName, ChangedList>> = {
  runs: 'runs',
  checkpoints: 'runs',
  paths: 'runs',
  models: 'models',
  datasets: 'datasets',
};

let channel: BroadcastChannel | null | undefined;

/** Tells every tab's pages (this one's too) which lists a committed transaction changed. */
function announce(stores: readonly StoreName[]): void {
  const lists = [...new Set(stores.flatMap((s) => LISTED[s] ?? []))];
  if (lists.length === 0) return;
  channel ??= typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANGES_CHANNEL);
  const message: ChangeMessage = { lists };
  channel?.postMessage(message);
}

/** Reads inside one readonly transaction; `fn` returns requests whose results are awaited. */
export async function read<T>(stores: StoreName[], fn: (tx: IDBTransaction) => IDBRequest<T>): Promise<T> {
  const db = await openDb();
  return new Promise<T>((resolve, reject) => {
    const tx = db.transaction(stores, 'readonly');
    const request = fn(tx);
    request.onsuccess = () => {
      resolve(request.result);
    };
    request.onerror = () => {
      reject(storageError(request.error));
    };
  });
}

export function getRecord<T>(store: StoreName, key: IDBValidKey): Promise<T | undefined> {
  return read([store], (tx) => tx.objectStore(store).get(key) as IDBRequest<T | undefined>);
}

export function getAllRecords<T>(store: StoreName, query?: IDBKeyRange): Promise<T[]> {
  return read([store], (tx) => tx.objectStore(store).getAll(query) as IDBRequest<T[]>);
}

/** Maps IndexedDB failures to studio errors; a full disk or quota is QUOTA_EXCEEDED. */
export function storageError(err: unknown): StudioError {
  if (err instanceof StudioError) return err;
  const name = err instanceof DOMException ? err.name : '';
  if (name === 'QuotaExceededError') {
    return new StudioError(
      'QUOTA_EXCEEDED',
      'The browser refused to store more (disk or storage quota full). Nothing was changed: delete a dataset or old runs in the Data and Models sections, then try again.',
    );
  }
  const detail = err instanceof Error ? err.message : String(err);
  return new StudioError(
    'STORAGE',
    `Browser storage (IndexedDB) failed: ${detail}. What was stored before is unchanged.`,
  );
}
