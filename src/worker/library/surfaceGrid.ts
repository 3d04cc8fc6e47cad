// Runs in the worker and in Node (the CLI's `surface`). A computed face surface as a SurfaceGrid
// (what the Surfaces section draws and exports), and the checks its settings must pass.

import type { Curve } from '../../protocol/settings';
import type { VertexRole } from '../../protocol/commands/models';
import {
  MAX_GRID_SIZE,
  MIN_GRID_SIZE,
  surfaceKey,
  type FaceIndices,
  type SurfaceData,
  type SurfaceGrid,
  type SurfaceSettings,
} from '../../protocol/commands/surfaces';
import { StudioError } from '../../protocol/errors';
import { STORED, batchNormChoiceError } from '../../protocol/batchNorm';
import type { FaceSurface } from '../../engine/surface/faceSurface';
import { basisCombinations, vertexCoords } from '../../engine/surface/planeBasis';

/** The grid settings a surface may have (the worker's command and the CLI check the same). */
export function checkSurfaceSettings(s: SurfaceSettings): void {
  const bad = (what: string) => new StudioError('BAD_SETTINGS', what);
  if (!Number.isInteger(s.gridSize) || s.gridSize < MIN_GRID_SIZE || s.gridSize > MAX_GRID_SIZE) {
    throw bad(
      `The grid size must be a whole number from ${MIN_GRID_SIZE} to ${MAX_GRID_SIZE}, not ${s.gridSize}.`,
    );
  }
  if (!(s.margin >= 0 && s.margin <= 5)) throw bad(`The margin must be between 0 and 5, not ${s.margin}.`);
  checkSurfaceData(s);
}

export function checkSurfaceData(d: SurfaceData): void {
  if (!Number.isInteger(d.images) || d.images < 1) {
    throw new StudioError('BAD_SETTINGS', `Evaluate on a whole number of images ≥ 1, not ${d.images}.`);
  }
  const bn = d.batchNorm ? batchNormChoiceError(d.batchNorm) : null;
  if (bn) throw new StudioError('BAD_SETTINGS', bn);
}

/** A computed face surface as the page and the files show it. */
export function surfaceGrid(
  entry: { id: string; name: string; roles: readonly VertexRole[]; batchNorm: boolean; curve?: Curve },
  face: FaceIndices,
  settings: SurfaceSettings,
  surface: FaceSurface,
  imagesUsed: number,
  seconds: number,
): SurfaceGrid {
  const { e1, e2 } = basisCombinations(surface.plane);
  const [g11, g12, g22] = surface.plane.gram;
  return {
    id: surfaceKey(entry.id, face, settings),
    modelId: entry.id,
    modelName: entry.name,
    face,
    roles: face.map((v) => entry.roles[v] ?? 'vertex') as [VertexRole, VertexRole, VertexRole],
    settings,
    imagesUsed,
    batchNorm: entry.batchNorm ? (settings.batchNorm ?? STORED) : null,
    plane: {
      origin: face[0],
      e1,
      e2,
      vertexCoords: vertexCoords(surface.plane).map(([u, v]) => [u, v]),
      gram: [g11, g12, g22],
    },
    u: surface.axes.u,
    v: surface.axes.v,
    loss: surface.loss,
    error: surface.error,
    done: surface.done,
    seconds,
    createdAt: Date.now(),
    ...(entry.curve && entry.roles.length === 3 ? { curve: entry.curve } : {}),
  };
}
