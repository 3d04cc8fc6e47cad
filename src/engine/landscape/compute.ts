// Pure engine: one landscape picture from its models and settings, the way the Surfaces section
// and the CLI's `interpolate` and `plane` compute it. The caller opens the point evaluators (the
// compiled one on WebGPU, batch norm's recomputation, the dataset's normalisation), one per split.

import type { ModelSpec } from '../../protocol/architecture';
import type { DatasetSplit } from '../../protocol/commands/data';
import { StudioError } from '../../protocol/errors';
import {
  landscapeSettingsError,
  type Landscape,
  type LandscapePart,
  type LandscapeSplitValues,
  type LandscapeSettings,
} from '../../protocol/landscape';
import { network } from '../../protocol/network';
import type { RunningStatistics, TfVertex } from '../formats/layout';
import { SimplexModel } from '../simplex/simplexModel';
import { curveCoefficients, type Curve } from '../../protocol/curve';
import type { PointEvaluator } from '../surface/pointEvaluator';
import { randomDirections } from './directions';
import {
  axisValues,
  barrier,
  directionModel,
  evaluateGrid,
  interpolationModel,
  interpolationSteps,
  partRange,
} from './landscape';
import { pathPlane } from './pathPlane';

export interface LandscapeModels {
  spec: ModelSpec;
  /** [a, b] of an interpolation, [origin] otherwise (for a path: its final weights). */
  models: { id: string; name: string; weights: TfVertex }[];
  /** The origin's (a's) running statistics; [] without batch norm. */
  statistics: RunningStatistics;
  /** A training path's kept weights, oldest first. */
  path?: { epochs: number[]; weights: readonly TfVertex[] };
  /** A curve's points in order (its ends first and last), for a curve's profile. */
  curve?: { type: Curve; points: readonly TfVertex[] };
}

export interface LandscapeOptions {
  /** Compute only part `index` of `count` (1-based) of the grid's points. */
  part?: { index: number; count: number };
  signal?: AbortSignal;
  /** After each group of points, with the landscape so far. */
  onProgress?: (partial: Landscape) => void;
  /** Opens the evaluator of `split` for `model`. */
  open: (model: SimplexModel, split: DatasetSplit) => Promise<PointEvaluator>;
  /** Called when a split is done with its evaluator; absent, the evaluator is disposed. */
  release?: (evaluator: PointEvaluator) => void;
}

/** A picture ready to evaluate: its model (the caller disposes it), axes and coefficients. */
export interface BuiltLandscape {
  model: SimplexModel;
  models: { id: string; name: string }[];
  x: number[];
  y: number[];
  coefficients: (i: number, j: number) => number[];
  /** The mixing coefficients of plane point (x, y) (y ignored on a line). */
  pointCoefficients: (x: number, y: number) => number[];
  /** A curve's: the straight line between its ends at x[i]. */
  lineCoefficients?: (i: number) => number[];
  path: Landscape['path'];
  hasBatchNorm: boolean;
}

/** Checks the settings and builds the picture's model. */
export function buildLandscape(input: LandscapeModels, settings: LandscapeSettings): BuiltLandscape {
  const problem = landscapeSettingsError(settings);
  if (problem) throw new StudioError('BAD_ARGUMENT', problem);
  const hasBatchNorm = input.statistics.length > 0;
  if (
    (settings.kind === 'interpolation' || settings.kind === 'curve') &&
    hasBatchNorm &&
    settings.batchNorm.statistics === 'stored'
  ) {
    throw new StudioError(
      'BAD_ARGUMENT',
      'Between two batch-norm models the statistics are recomputed at each point: neither model’s stored ones hold in between.',
    );
  }
  return {
    ...landscapeModel(input, settings),
    models: input.models.map((m) => ({ id: m.id, name: m.name })),
    hasBatchNorm,
  };
}

/** Every point of the picture (or of one part of it), split by split. Does not dispose the model. */
export async function computeLandscape(
  built: BuiltLandscape,
  settings: LandscapeSettings,
  options: LandscapeOptions,
): Promise<Landscape> {
  const started = performance.now();
  const { model, x, y, coefficients, path } = built;
  const total = x.length * Math.max(1, y.length);
  const range = options.part ? partRange(total, options.part.index, options.part.count) : undefined;
  const part: LandscapePart | null =
    options.part && range ? { ...options.part, start: range[0], end: range[1] } : null;
  const landscape: Landscape = {
    id: '',
    kind: settings.kind,
    models: built.models,
    settings,
    x,
    y,
    values: settings.splits.map((split) => ({
      split,
      loss: new Array<number>(total).fill(NaN),
      error: new Array<number>(total).fill(NaN),
    })),
    barriers: [],
    line: built.lineCoefficients ? [] : null,
    lineBarriers: [],
    path,
    imagesUsed: [],
    batchNorm: built.hasBatchNorm ? settings.batchNorm : null,
    part,
    done: 0,
    total: range ? range[1] - range[0] : total,
    seconds: 0,
    createdAt: Date.now(),
  };
  for (const [s, split] of settings.splits.entries()) {
    const evaluator = await options.open(model, split);
    try {
      landscape.imagesUsed.push(evaluator.images);
      const values = await evaluateGrid(evaluator, x.length, Math.max(1, y.length), coefficients, {
        range,
        signal: options.signal,
        onProgress: (partial) => {
          landscape.values[s] = { split, loss: partial.loss, error: partial.error };
          landscape.done = partial.done;
          landscape.seconds = (performance.now() - started) / 1000;
          options.onProgress?.({ ...landscape, values: [...landscape.values] });
        },
      });
      landscape.values[s] = { split, loss: values.loss, error: values.error };
      landscape.done = values.done;
      if (built.lineCoefficients && landscape.line) {
        const line = await evaluateGrid(evaluator, x.length, 1, built.lineCoefficients, {
          signal: options.signal,
        });
        landscape.line[s] = { split, loss: line.loss, error: line.error };
      }
    } finally {
      if (options.release) options.release(evaluator);
      else evaluator.dispose();
    }
  }
  const barriers = (values: readonly LandscapeSplitValues[]) =>
    values.map((v) => ({ split: v.split, loss: barrier(x, v.loss), error: barrier(x, v.error) }));
  if (settings.kind === 'interpolation' || settings.kind === 'curve')
    landscape.barriers = barriers(landscape.values);
  if (landscape.line) landscape.lineBarriers = barriers(landscape.line);
  landscape.seconds = (performance.now() - started) / 1000;
  return landscape;
}

/** The model a picture's points are mixtures of, its axes and each grid point's coefficients. */
function landscapeModel(
  input: LandscapeModels,
  settings: LandscapeSettings,
): Omit<BuiltLandscape, 'models' | 'hasBatchNorm'> {
  const { spec, statistics } = input;
  const params = network(spec).params;
  const first = input.models[0];
  if (!first) throw new StudioError('BAD_ARGUMENT', 'A landscape needs a model.');
  if (settings.kind === 'interpolation') {
    const second = input.models[1];
    if (!second) throw new StudioError('BAD_ARGUMENT', 'An interpolation needs two models.');
    const x = interpolationSteps(settings.from, settings.to, settings.points);
    return {
      model: interpolationModel(spec, first.weights, second.weights, statistics),
      x,
      y: [],
      coefficients: (i) => {
        const t = x[i] as number;
        return [1 - t, t];
      },
      pointCoefficients: (t) => [1 - t, t],
      path: null,
    };
  }
  if (settings.kind === 'curve') {
    if (!input.curve) throw new StudioError('BAD_ARGUMENT', 'A curve’s profile needs a curve.');
    const { type, points } = input.curve;
    const k = points.length;
    const x = axisValues(0, 1, settings.points);
    return {
      model: SimplexModel.fromVertices(spec, points, { statistics, curve: type, name: `curve-profile${k}` }),
      x,
      y: [],
      coefficients: (i) => curveCoefficients(type, k, x[i] as number),
      pointCoefficients: (t) => curveCoefficients(type, k, t),
      lineCoefficients: (i) => {
        const t = x[i] as number;
        return points.map((_, j) => (j === 0 ? 1 - t : j === k - 1 ? t : 0));
      },
      path: null,
    };
  }
  if (settings.kind === 'random') {
    const x = axisValues(settings.from, settings.to, settings.points);
    const y = settings.dims === 2 ? x : [];
    const directions = randomDirections(params, first.weights, settings.direction, settings.dims);
    return {
      model: directionModel(spec, first.weights, directions, statistics),
      x,
      y,
      coefficients: (i, j) =>
        settings.dims === 2 ? [1, x[i] as number, y[j] as number] : [1, x[i] as number],
      pointCoefficients: (px, py) => (settings.dims === 2 ? [1, px, py] : [1, px]),
      path: null,
    };
  }
  if (!input.path) throw new StudioError('BAD_ARGUMENT', 'A training path’s plane needs the path.');
  const plane = pathPlane(params, input.path.weights, first.weights, settings.direction.ignoreBiasBn);
  const span = (values: number[]) => {
    const lo = Math.min(0, ...values);
    const hi = Math.max(0, ...values);
    const extra = settings.margin * (hi - lo);
    return axisValues(lo - extra, hi + extra, settings.points);
  };
  const x = span(plane.x);
  const y = span(plane.y);
  return {
    model: directionModel(spec, first.weights, plane.directions, statistics),
    x,
    y,
    coefficients: (i, j) => [1, x[i] as number, y[j] as number],
    pointCoefficients: (px, py) => [1, px, py],
    path: { epochs: input.path.epochs, x: plane.x, y: plane.y, explained: plane.explained },
  };
}
