// Runs in the worker; no DOM. Finished loss-surface grids in the `surfaces` store, keyed by
// surfaceKey() (model, face, grid, margin, data, metric), so reopening a surface is one read.

import type { SurfaceGrid } from '../../protocol/commands/surfaces';
import { STORES, getRecord, write } from './db';

export function getSurface(id: string): Promise<SurfaceGrid | undefined> {
  return getRecord<SurfaceGrid>(STORES.surfaces, id);
}

export async function putSurface(grid: SurfaceGrid): Promise<void> {
  await write([STORES.surfaces], (tx) => {
    tx.objectStore(STORES.surfaces).put(grid);
  });
}

/**
 * Removes every cached surface of a model (keys start with its id, see surfaceKey); for the
 * model library to call when it deletes the model. Returns how many were removed.
 */
export async function deleteSurfacesOf(modelId: string): Promise<number> {
  const range = IDBKeyRange.bound(`${modelId}|`, `${modelId}|\uffff`);
  const removed = { count: 0 };
  await write([STORES.surfaces], (tx) => {
    const store = tx.objectStore(STORES.surfaces);
    const request = store.count(range);
    request.onsuccess = () => {
      removed.count = request.result;
      store.delete(range);
    };
  });
  return removed.count;
}
