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
