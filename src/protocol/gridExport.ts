// Plain data, shared by the page and the CLI. A face grid as CSV (one row per grid point) and as JSON that also
// describes the plane: p(u, v) = v_a + u·e1 + v·e2 with e1, e2 given as combinations of the
// face's vertices, so the numbers can be reproduced from the exported weights.

import { describeBatchNorm } from './batchNorm';
import { planeBarycentric, type SurfaceGrid } from './commands/surfaces';

export function gridFileStem(grid: Pick<SurfaceGrid, 'modelName' | 'face' | 'settings'>): string {
  const safe = grid.modelName.replace(/[^A-Za-z0-9._-]+/g, '_');
  return `${safe}_face-${grid.face.join('-')}_${grid.settings.gridSize}x${grid.settings.gridSize}`;
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
    },
    null,
    2,
  );
}
