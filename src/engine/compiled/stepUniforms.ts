// The compiled step's one uniform buffer: every number a step changes, written once per step with
// one writeBuffer, read by all its dispatches at fixed word offsets. Its layout depends only on
// the stage's static shape (k vertices, S draws, whether the volume term pulls), so the kernels of
// a stage bake the offsets in as constants. Runs in the worker and in Node; no GPU.
//
// Words (4 bytes each; f32 unless noted):
//   0 lr, 1 momentum, 2 weight decay, 3 padding,
//   coefficients  S×k  the mixing coefficients of draw s over the k vertices (row-major by draw)
//   rowWeights    S×k  RowGradients.weights: how draw s's gradient reaches vertex r
//   pull          k×k  RowGradients.pull (only when the stage has the volume term)
//   trainable     k    1 for a trained vertex, 0 for a frozen one
//   seeds         S×2  u32: each draw's dropout seed words
//   lossScale     S    the factor each draw's dlogits is scaled by (1/batch, or 1/(batch·S) for the mean)
// The buffer's size is rounded up to 16 bytes, as WebGPU's uniform arrays need.

import { StudioError } from '../../protocol/errors';
import type { RowGradients } from '../simplex/rowKernels';

export interface StageShape {
  /** Vertices of the stack. */
  rows: number;
  /** Draws per step. */
  draws: number;
  /** Whether RowGradients.pull is present (the volume term). */
  pull: boolean;
}

export interface UniformLayout {
  lr: number;
  momentum: number;
  weightDecay: number;
  coefficients: number;
  rowWeights: number;
  /** −1 without the volume term. */
  pull: number;
  trainable: number;
  seeds: number;
  lossScale: number;
  /** Words in the buffer, a multiple of 4. */
  words: number;
}

export function uniformLayout({ rows: k, draws: s, pull }: StageShape): UniformLayout {
  if (!Number.isInteger(k) || k < 1 || !Number.isInteger(s) || s < 1) {
    throw new StudioError(
      'INTERNAL',
      `A compiled stage needs ≥ 1 vertex and draw; got ${k} and ${s}.`,
      false,
    );
  }
  const coefficients = 4;
  const rowWeights = coefficients + s * k;
  const pullAt = rowWeights + s * k;
  const trainable = pullAt + (pull ? k * k : 0);
  const seeds = trainable + k;
  const lossScale = seeds + 2 * s;
  const end = lossScale + s;
  return {
    lr: 0,
    momentum: 1,
    weightDecay: 2,
    coefficients,
    rowWeights,
    pull: pull ? pullAt : -1,
    trainable,
    seeds,
    lossScale,
    words: Math.ceil(end / 4) * 4,
  };
}

export interface StepNumbers {
  lr: number;
  momentum: number;
  weightDecay: number;
  /** S rows of k mixing coefficients. */
  coefficients: readonly (readonly number[])[];
  rows: RowGradients;
  /** S pairs of u32 seed words. */
  seeds: readonly (readonly [number, number])[];
  /** S factors. */
  lossScale: readonly number[];
}

/**
 * One step's uniforms into `out` (a buffer of layout.words words, reused every step so a step
 * allocates nothing). Throws if the numbers do not fit the stage's shape.
 */
export function writeStepUniforms(
  shape: StageShape,
  layout: UniformLayout,
  step: StepNumbers,
  out: ArrayBuffer,
): void {
  const { rows: k, draws: s } = shape;
  const f = new Float32Array(out);
  const u = new Uint32Array(out);
  if (f.length !== layout.words) {
    throw new StudioError(
      'INTERNAL',
      `The uniform buffer has ${f.length} words, the stage ${layout.words}.`,
      false,
    );
  }
  const fits =
    step.coefficients.length === s &&
    step.coefficients.every((c) => c.length === k) &&
    step.rows.weights.length === s &&
    step.rows.weights.every((w) => w.length === k) &&
    (step.rows.pull === null) === !shape.pull &&
    (step.rows.pull ?? []).every((p) => p.length === k) &&
    (step.rows.pull?.length ?? k) === k &&
    step.rows.trainable.length === k &&
    step.seeds.length === s &&
    step.lossScale.length === s;
  if (!fits) {
    throw new StudioError(
      'INTERNAL',
      `A step's numbers do not fit the compiled stage (${k} vertices, ${s} draws, volume term ${shape.pull ? 'on' : 'off'}).`,
      false,
    );
  }
  f.fill(0);
  f[layout.lr] = step.lr;
  f[layout.momentum] = step.momentum;
  f[layout.weightDecay] = step.weightDecay;
  f.set(step.coefficients.flat(), layout.coefficients);
  f.set(step.rows.weights.flat(), layout.rowWeights);
  if (step.rows.pull) f.set(step.rows.pull.flat(), layout.pull);
  f.set(
    step.rows.trainable.map((t) => (t ? 1 : 0)),
    layout.trainable,
  );
  u.set(
    step.seeds.flat().map((w) => w >>> 0),
    layout.seeds,
  );
  f.set(step.lossScale, layout.lossScale);
}
