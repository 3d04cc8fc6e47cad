// Pure engine: the landscape pictures as points for a PointEvaluator. Each picture is a small
// SimplexModel whose "vertices" span it, evaluated at mixing coefficients:
// - between two models a and b: vertices [θa, θb], the point at t is (1 − t, t);
// - around a model θ along directions d1 (and d2): vertices [θ, d1, d2], the point (x, y) is
//   (1, x, y), i.e. θ + x·d1 + y·d2 exactly (random directions, or a training path's principal
//   ones).
// So the tfjs and compiled evaluators, batch norm's recomputed statistics and the cancellation of
// the face surfaces all apply unchanged. A grid is computed in any order of its flat indices
// (coarse to fine for a plane), optionally only a slice of them (one part of a grid split over
// several processes).

import { StudioError } from '../../protocol/errors';
import type { ModelSpec } from '../../protocol/architecture';
import type { RunningStatistics, TfVertex } from '../formats/layout';
import { SimplexModel } from '../simplex/simplexModel';
import { coarseToFineLevels } from '../surface/planeBasis';
import type { PointEvaluator } from '../surface/pointEvaluator';

/** The model whose vertex mixtures are the points between a and b. */
export function interpolationModel(
  spec: ModelSpec,
  a: TfVertex,
  b: TfVertex,
  statistics: RunningStatistics,
): SimplexModel {
  return SimplexModel.fromVertices(spec, [a, b], { statistics, name: `interpolation${++models}` });
}

/** The model whose mixtures (1, x, y) are the points θ + x·d1 + y·d2. */
export function directionModel(
  spec: ModelSpec,
  origin: TfVertex,
  directions: readonly TfVertex[],
  statistics: RunningStatistics,
): SimplexModel {
  return SimplexModel.fromVertices(spec, [origin, ...directions], {
    statistics,
    name: `directions${++models}`,
  });
}

let models = 0;

/** `count` equally spaced values from `from` to `to`, both included. */
export function axisValues(from: number, to: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 2) {
    throw new StudioError('BAD_ARGUMENT', `An axis needs at least 2 points, got ${count}.`);
  }
  if (!Number.isFinite(from) || !Number.isFinite(to) || !(to > from)) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `An axis runs from a number to a larger one, not ${from} to ${to}.`,
    );
  }
  return Array.from({ length: count }, (_, i) => from + ((to - from) * i) / (count - 1));
}

/**
 * Steps t of an interpolation: `count` equally spaced from `from` to `to`, with 0 and 1 added
 * where the spacing misses them (the barrier needs both ends exactly).
 */
export function interpolationSteps(from: number, to: number, count: number): number[] {
  if (!(from <= 0) || !(to >= 1)) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `An interpolation runs over both models: from ≤ 0 to ≥ 1, not ${from} to ${to}.`,
    );
  }
  const t = axisValues(from, to, count);
  const near = (x: number) => t.findIndex((s) => Math.abs(s - x) < 1e-9);
  for (const end of [0, 1]) {
    const i = near(end);
    if (i >= 0) t[i] = end;
    else t.push(end);
  }
  return t.sort((a, b) => a - b);
}

/**
 * The barrier along an interpolation: max over t in [0, 1] of value(t) minus the straight line
 * between value(0) and value(1). NaN when an end or every inner value is missing.
 */
export function barrier(t: readonly number[], values: readonly number[]): number {
  const i0 = t.indexOf(0);
  const i1 = t.indexOf(1);
  const v0 = values[i0] ?? NaN;
  const v1 = values[i1] ?? NaN;
  let best = NaN;
  t.forEach((s, i) => {
    if (s < 0 || s > 1) return;
    const excess = (values[i] ?? NaN) - ((1 - s) * v0 + s * v1);
    if (Number.isFinite(excess) && !(excess <= best)) best = excess;
  });
  return best;
}

/** Flat indices [start, end) of part `index` (1-based) of `count`, as numpy's array_split cuts them. */
export function partRange(total: number, index: number, count: number): [number, number] {
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(index) || index < 1 || index > count) {
    throw new StudioError('BAD_ARGUMENT', `A part is I/N with 1 ≤ I ≤ N, not ${index}/${count}.`);
  }
  if (count > total) {
    throw new StudioError('BAD_ARGUMENT', `${count} parts of ${total} points leave some parts empty.`);
  }
  const base = Math.floor(total / count);
  const extra = total % count;
  const start = (index - 1) * base + Math.min(index - 1, extra);
  return [start, start + base + (index <= extra ? 1 : 0)];
}

/** The order a grid's points are computed in: coarse to fine for a square 2-D grid, else in order. */
export function gridOrder(xs: number, ys: number): number[][] {
  if (ys > 1 && xs === ys) return coarseToFineLevels(xs);
  return [Array.from({ length: xs * ys }, (_, k) => k)];
}

export interface GridValues {
  /** Flat index k = j·xs + i is the point (x[i], y[j]); NaN where not computed. */
  loss: number[];
  error: number[];
  done: number;
}

export interface GridOptions {
  /** Compute only flat indices in [start, end). */
  range?: readonly [number, number];
  signal?: AbortSignal;
  /** After each group of points, with copies of the values so far. */
  onProgress?: (values: GridValues, total: number) => void;
}

/**
 * Loss and error at every point of a grid of `xs`×`ys` (ys = 1 for a line), each point's mixing
 * coefficients from `coefficients(i, j)`.
 */
export async function evaluateGrid(
  evaluator: PointEvaluator,
  xs: number,
  ys: number,
  coefficients: (i: number, j: number) => number[],
  options: GridOptions = {},
): Promise<GridValues> {
  const [start, end] = options.range ?? [0, xs * ys];
  const loss = new Array<number>(xs * ys).fill(NaN);
  const error = new Array<number>(xs * ys).fill(NaN);
  const levels = gridOrder(xs, ys)
    .map((level) => level.filter((k) => k >= start && k < end))
    .filter((level) => level.length > 0);
  const total = end - start;
  let done = 0;
  for (const level of levels) {
    const values = await evaluator.evaluate(
      level.map((k) => coefficients(k % xs, Math.floor(k / xs))),
      { signal: options.signal },
    );
    level.forEach((k, n) => {
      const v = values[n];
      if (!v) return;
      loss[k] = v.loss;
      error[k] = v.error;
    });
    done += level.length;
    options.onProgress?.({ loss: [...loss], error: [...error], done }, total);
  }
  return { loss, error, done };
}
