// Plain data, shared by the page and the CLI. A face grid as CSV (one row per grid point) and as JSON that also
// describes the plane: p(u, v) = v_a + u·e1 + v·e2 with e1, e2 given as combinations of the
// face's vertices, so the numbers can be reproduced from the exported weights.

import { describeBatchNorm, type BatchNormChoice } from './batchNorm';
import {
  planeBarycentric,
  type FaceIndices,
  type SurfaceGrid,
  type SurfacePlane,
  type SurfaceSettings,
} from './commands/surfaces';
import { checkParts, fillFromParts, type LandscapePart } from './landscape';

export function gridFileStem(grid: Pick<SurfaceGrid, 'modelName' | 'face' | 'settings' | 'part'>): string {
  const safe = grid.modelName.replace(/[^A-Za-z0-9._-]+/g, '_');
  const part = grid.part ? `_part-${grid.part.index}-of-${grid.part.count}` : '';
  return `${safe}_face-${grid.face.join('-')}_${grid.settings.gridSize}x${grid.settings.gridSize}${part}`;
}

const num = (x: number): string => (Number.isFinite(x) ? String(x) : '');

/**
 * Header plus one row per point: i, j, u, v, β of the three vertices, inside, loss, error; and for
 * a network with batch norm, the statistics its points were evaluated with.
 */
export function gridCsv(grid: SurfaceGrid): string {
  const [a, b, c] = grid.face;
  const size = grid.u.length;
  const bn = grid.batchNorm ? describeBatchNorm(grid.batchNorm) : null;
  const lines = [`i,j,u,v,beta_v${a},beta_v${b},beta_v${c},inside,loss,error${bn ? ',bn_statistics' : ''}`];
  for (let j = 0; j < size; j++) {
    for (let i = 0; i < size; i++) {
      const u = grid.u[i] ?? NaN;
      const v = grid.v[j] ?? NaN;
      const beta = planeBarycentric(grid.plane, u, v);
      const inside = beta.every((x) => x >= -1e-9);
      const k = j * size + i;
      lines.push(
        [
          i,
          j,
          num(u),
          num(v),
          ...beta.map(num),
          inside ? 1 : 0,
          num(grid.loss[k] ?? NaN),
          num(grid.error[k] ?? NaN),
          ...(bn ? [bn] : []),
        ].join(','),
      );
    }
  }
  return lines.join('\n') + '\n';
}

const rows = (values: readonly number[], size: number): (number | null)[][] =>
  Array.from({ length: size }, (_, j) =>
    Array.from({ length: size }, (_, i) => {
      const x = values[j * size + i] ?? NaN;
      return Number.isFinite(x) ? x : null;
    }),
  );

export function gridJson(grid: SurfaceGrid): string {
  const size = grid.u.length;
  const [a, b, c] = grid.face;
  return JSON.stringify(
    {
      model: { id: grid.modelId, name: grid.modelName },
      face: grid.face,
      roles: grid.roles,
      settings: grid.settings,
      imagesUsed: grid.imagesUsed,
      ...(grid.batchNorm
        ? { batchNorm: { ...grid.batchNorm, described: describeBatchNorm(grid.batchNorm) } }
        : {}),
      basis: {
        definition:
          'p(u, v) = w_a + u·e1 + v·e2; e1 = (w_b − w_a)/|w_b − w_a|, e2 = Gram–Schmidt of w_c − w_a against e1 (weights over all parameters)',
        origin: grid.plane.origin,
        vertices: [a, b, c],
        e1: grid.plane.e1,
        e2: grid.plane.e2,
        vertexCoords: grid.plane.vertexCoords,
        gram: grid.plane.gram,
      },
      u: grid.u,
      v: grid.v,
      /** loss[j][i] is the point (u[i], v[j]). */
      loss: rows(grid.loss, size),
      error: rows(grid.error, size),
      ...(grid.part ? { part: grid.part, done: grid.done, seconds: grid.seconds } : {}),
    },
    null,
    2,
  );
}

/** The fields gridJson writes, as read back. */
interface GridJson {
  model: { id: string; name: string };
  face: FaceIndices;
  roles: SurfaceGrid['roles'];
  settings: SurfaceSettings;
  imagesUsed: number;
  batchNorm?: BatchNormChoice & { described?: string };
  basis: SurfacePlane;
  u: number[];
  v: number[];
  loss: (number | null)[][];
  error: (number | null)[][];
  part?: LandscapePart;
  done?: number;
  seconds?: number;
}

/** Whether parsed JSON is a face grid gridJson wrote. */
export function isGridJson(value: unknown): boolean {
  const o = value as Partial<GridJson> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    Array.isArray(o.face) &&
    typeof o.basis === 'object' &&
    Array.isArray(o.u)
  );
}

/**
 * One face grid from the parts `surface --part I/N` wrote (parsed JSON), checked as landscape
 * parts are: every part once, complete, of the same face, model and settings.
 */
export function mergeGridParts(parts: readonly { name: string; json: unknown }[]): SurfaceGrid {
  const grids = parts.map(({ name, json }) => ({ name, g: json as GridJson }));
  const identity = ({ model, face, settings, imagesUsed, basis, u, v, batchNorm }: GridJson) =>
    JSON.stringify({ model, face, settings, imagesUsed, basis, u, v, batchNorm });
  checkParts(
    grids.map(({ name, g }) => ({ name, part: g.part ?? null, identity: identity(g), done: g.done ?? 0 })),
  );
  const first = (grids[0] as { g: GridJson }).g;
  const size = first.u.length;
  const loss = new Array<number>(size * size).fill(NaN);
  const error = new Array<number>(size * size).fill(NaN);
  fillFromParts(
    grids,
    (p) => p.g.part as LandscapePart,
    (p, k) => {
      loss[k] = p.g.loss[Math.floor(k / size)]?.[k % size] ?? NaN;
      error[k] = p.g.error[Math.floor(k / size)]?.[k % size] ?? NaN;
    },
  );
  const { described: _, ...batchNorm } = first.batchNorm ?? { statistics: 'stored', batches: 0 };
  return {
    id: first.model.id,
    modelId: first.model.id,
    modelName: first.model.name,
    face: first.face,
    roles: first.roles,
    settings: first.settings,
    imagesUsed: first.imagesUsed,
    plane: {
      origin: first.basis.origin,
      e1: first.basis.e1,
      e2: first.basis.e2,
      vertexCoords: first.basis.vertexCoords,
      gram: first.basis.gram,
    },
    u: first.u,
    v: first.v,
    loss,
    error,
    batchNorm: first.batchNorm ? batchNorm : null,
    done: size * size,
    seconds: grids.reduce((s, p) => s + (p.g.seconds ?? 0), 0),
    createdAt: Date.now(),
  };
}
