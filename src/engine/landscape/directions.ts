// Pure engine: directions in weight space for the loss-landscape pictures of Li et al. (NeurIPS
// 2018, tomgoldstein/loss-landscape), in plain JS over tf-layout vertices. A direction has the
// model's shapes; the plane around a model θ is θ + x·d1 + y·d2 (plane.ts turns that into mixing
// coefficients the point evaluators take).
//
// As loss-landscape's net_plotter.py: each parameter tensor's direction is drawn from a standard
// normal (the studio's seeded generator, so the same seed gives the same plane on every backend;
// the draws are not PyTorch's), then normalised against the model's weights:
// - filter: each output filter (conv output channel, linear output unit) of the direction is
//   scaled to the norm of the same filter of the model: d_f ← d_f·|θ_f|/(|d_f| + 1e-10);
// - layer: the whole tensor, d ← d·|θ|/|d|;
// - none: as drawn.
// One-dimensional parameters (biases, batch norm's weight and bias) are set to zero when
// `ignoreBiasBn` (loss-landscape's `--xignore biasbn`, its recommended setting), else to the
// model's own values (loss-landscape's `d.copy_(w)`). Only parameters move: batch norm's running
// statistics are the origin's (or recomputed at each point, as the evaluator is told).
// In tf layout the output axis is the last one of every parameter, so filter f of a tensor with
// `out` outputs is the elements f, f + out, f + 2·out, ….

import { StudioError } from '../../protocol/errors';
import type { ParamSpec } from '../../protocol/network';
import type { TfLayout, TfVertex } from '../formats/layout';
import { Rng } from '../util/rng';

export type DirectionNorm = 'filter' | 'layer' | 'none';
export const DIRECTION_NORMS: readonly DirectionNorm[] = ['filter', 'layer', 'none'];

export interface DirectionSettings {
  seed: number;
  norm: DirectionNorm;
  /** Biases and batch-norm parameters: zero (true), or the model's own values (false). */
  ignoreBiasBn: boolean;
}

/** The filter-norm divisor's guard, as loss-landscape's. */
const EPSILON = 1e-10;

/** Whether loss-landscape counts a parameter as a bias or batch-norm one (`d.dim() <= 1`). */
export function isBiasOrNorm(p: ParamSpec): boolean {
  return p.torchShape.length <= 1;
}

/** Output units of a parameter: its last tf-layout axis. */
function outputs(p: ParamSpec): number {
  return p.tfShape[p.tfShape.length - 1] ?? 1;
}

/**
 * `count` directions around `origin`, the first drawn from `settings.seed`, each further one from
 * the generator's continuing stream (so the plane's x direction is the line's).
 */
export function randomDirections(
  params: readonly ParamSpec[],
  origin: TfVertex,
  settings: DirectionSettings,
  count: number,
): TfVertex[] {
  if (origin.length !== params.length) {
    throw new StudioError('INTERNAL', `A direction needs ${params.length} parameters, got ${origin.length}.`);
  }
  const rng = new Rng(settings.seed);
  return Array.from({ length: count }, () => {
    const direction = params.map((p) => {
      const d = new Float32Array(p.size);
      for (let i = 0; i < d.length; i++) d[i] = rng.normal();
      return d as TfLayout;
    });
    return normaliseDirection(params, direction, origin, settings);
  });
}

/** `direction` normalised against `origin` as `settings` says (in place; returned for chaining). */
export function normaliseDirection(
  params: readonly ParamSpec[],
  direction: TfLayout[],
  origin: TfVertex,
  settings: Pick<DirectionSettings, 'norm' | 'ignoreBiasBn'>,
): TfLayout[] {
  params.forEach((p, i) => {
    const d = direction[i] as TfLayout;
    const w = origin[i] as TfLayout;
    if (isBiasOrNorm(p)) {
      if (settings.ignoreBiasBn) d.fill(0);
      else d.set(w);
      return;
    }
    if (settings.norm === 'layer') {
      const scale = Math.sqrt(sumSquares(w, 0, 1)) / Math.sqrt(sumSquares(d, 0, 1));
      for (let k = 0; k < d.length; k++) d[k] = (d[k] as number) * scale;
    } else if (settings.norm === 'filter') {
      const out = outputs(p);
      for (let f = 0; f < out; f++) {
        const scale = Math.sqrt(sumSquares(w, f, out)) / (Math.sqrt(sumSquares(d, f, out)) + EPSILON);
        for (let k = f; k < d.length; k += out) d[k] = (d[k] as number) * scale;
      }
    }
  });
  return direction;
}

/** Σ x[k]² over k = start, start + stride, …, in float64. */
function sumSquares(x: Float32Array, start: number, stride: number): number {
  let s = 0;
  for (let k = start; k < x.length; k += stride) s += (x[k] as number) * (x[k] as number);
  return s;
}

/** Σ a·b over every parameter, in float64. */
export function dot(a: TfVertex, b: TfVertex): number {
  let s = 0;
  a.forEach((x, i) => {
    const y = b[i] as TfLayout;
    for (let k = 0; k < x.length; k++) s += (x[k] as number) * (y[k] as number);
  });
  return s;
}

/** a − b per parameter. */
export function difference(a: TfVertex, b: TfVertex): TfLayout[] {
  return a.map((x, i) => {
    const y = b[i] as TfLayout;
    return x.map((v, k) => v - (y[k] as number)) as TfLayout;
  });
}
