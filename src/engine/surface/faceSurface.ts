// Pure engine: the loss surface over a face's plane, computed coarse to fine, and loss profiles
// along edges. Both reduce to mixing coefficients handed to a PointEvaluator; the plane math is in
// planeBasis.ts, the weight-space inner products in weightGram.ts.

import type { SimplexModel } from '../simplex/simplexModel';
import {
  coarseToFineLevels,
  gridAxes,
  modelCoefficients,
  planeFromGram,
  type Face,
  type FacePlane,
  type GridAxes,
} from './planeBasis';
import type { PointEvaluator } from './pointEvaluator';
import { faceGram } from './weightGram';

export interface FaceSurface {
  plane: FacePlane;
  axes: GridAxes;
  /** Row-major size×size: index j·size + i is the point (u[i], v[j]); NaN where not yet computed. */
  loss: number[];
  error: number[];
  /** Grid points computed so far. */
  done: number;
}

export interface FaceSurfaceOptions {
  gridSize: number;
  margin: number;
  signal?: AbortSignal;
  /** Compute only the flat indices in [start, end) (one part of a grid split over processes). */
  range?: readonly [number, number];
  /** After each coarse-to-fine level, with the grid so far (the arrays are copies). */
  onLevel?: (partial: FaceSurface, level: number, levels: number) => void;
}

/** The plane of a face (its basis from the backend's Gram matrix). */
export async function facePlane(model: SimplexModel, face: Face): Promise<FacePlane> {
  return planeFromGram(face, await faceGram(model, face));
}

export async function computeFaceSurface(
  model: SimplexModel,
  evaluator: PointEvaluator,
  face: Face,
  options: FaceSurfaceOptions,
): Promise<FaceSurface> {
  const plane = await facePlane(model, face);
  const axes = gridAxes(plane, options.gridSize, options.margin);
  const size = options.gridSize;
  const loss = new Array<number>(size * size).fill(NaN);
  const error = new Array<number>(size * size).fill(NaN);
  const [start, end] = options.range ?? [0, size * size];
  const levels = coarseToFineLevels(size)
    .map((level) => level.filter((k) => k >= start && k < end))
    .filter((level) => level.length > 0);
  let done = 0;
  for (const [l, level] of levels.entries()) {
    const points = level.map((k) =>
      modelCoefficients(
        plane,
        axes.u[k % size] as number,
        axes.v[Math.floor(k / size)] as number,
        model.vertexCount,
      ),
    );
    const values = await evaluator.evaluate(points, { signal: options.signal });
    level.forEach((k, i) => {
      const value = values[i];
      if (!value) return;
      loss[k] = value.loss;
      error[k] = value.error;
    });
    done += level.length;
    options.onLevel?.({ plane, axes, loss: [...loss], error: [...error], done }, l, levels.length);
  }
  return { plane, axes, loss, error, done };
}

/**
 * Steps along an edge: `points` equally spaced from 0 to 1 (both vertices exactly), continued at
 * the same spacing for at least `extension` beyond each end.
 */
export function edgeSteps(points: number, extension: number): number[] {
  const n = Math.max(2, Math.floor(points));
  const h = 1 / (n - 1);
  const beyond = Math.max(0, Math.ceil(extension / h - 1e-9));
  return Array.from({ length: n + 2 * beyond }, (_, i) => (i - beyond) * h);
}

export interface EdgeProfile {
  /** Vertex indices (i, j): step t is the point (1 − t)·vertex_i + t·vertex_j. */
  edge: readonly [number, number];
  t: number[];
  loss: number[];
  error: number[];
}

/** Loss and error along each edge, from about −extension to 1 + extension (see edgeSteps). */
export async function edgeProfiles(
  model: SimplexModel,
  evaluator: PointEvaluator,
  edges: readonly (readonly [number, number])[],
  options: {
    points: number;
    extension: number;
    signal?: AbortSignal;
    onEdge?: (done: number, total: number) => void;
  },
): Promise<EdgeProfile[]> {
  const t = edgeSteps(options.points, options.extension);
  const out: EdgeProfile[] = [];
  for (const edge of edges) {
    const [i, j] = edge;
    const points = t.map((step) => {
      const c = new Array<number>(model.vertexCount).fill(0);
      c[i] = 1 - step;
      c[j] = step;
      return c;
    });
    const values = await evaluator.evaluate(points, { signal: options.signal });
    out.push({ edge, t, loss: values.map((v) => v.loss), error: values.map((v) => v.error) });
    options.onEdge?.(out.length, edges.length);
  }
  return out;
}
