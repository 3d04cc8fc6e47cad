// The two things a training step does once per parameter to its stack of vertices ([k, size],
// row i = vertex i): mix the rows at the step's coefficients, and move the trainable rows by SGD
// with the simplex's gradient folded in. On WebGPU each is one kernel the worker registers
// (worker/webgpuKernels.ts): a step there is bound by tfjs's CPU cost per kernel, not by the GPU,
// so a SPRO step must cost about as many kernels as a plain one. Other backends run the same
// math as tfjs ops, below; that is also the definition the WebGPU kernels are tested against.

import * as tf from '@tensorflow/tfjs';

/** Inputs {stack [k, size], coefficients [k]} → [size]: Σ_i coefficients[i]·stack[i]. */
export const MIX_ROWS = 'StudioMixRows';
/** Inputs {variable, buffer?, grads, plan} → the new momentum buffer (the step's direction). */
export const SGD_DIRECTION = 'StudioSgdDirection';
/** Inputs {variable, direction, plan} → the trainable rows moved by −lr·direction, the rest kept. */
export const SGD_APPLY = 'StudioSgdApply';

/**
 * How each row of a [k, size] variable takes its gradient from the step's S gradient rows
 * [S, size] (one per draw: ∂loss/∂ the mixed weights) and from the variable itself:
 *   grad_r = Σ_s weights[s][r]·grads[s] + Σ_j pull[r][j]·variable[j]
 * The pull is the volume term, linear in the vertices between two measurements of the volume.
 * Rows that are not trainable are frozen: neither the weights, nor momentum, nor weight decay
 * touch them, as PyTorch does for a parameter with requires_grad = False.
 */
export interface RowGradients {
  /** S × k. */
  weights: readonly (readonly number[])[];
  /** k × k, or null for no volume term. */
  pull: readonly (readonly number[])[] | null;
  /** k flags. */
  trainable: readonly boolean[];
}

/** A plain variable: one row, its own gradient. */
export function singleRow(): RowGradients {
  return { weights: [[1]], pull: null, trainable: [true] };
}

/** Shader-shaping attributes of the SGD kernels (the rest of the step travels in `plan`). */
export interface SgdKernelAttrs {
  rows: number;
  draws: number;
  pull: boolean;
  momentum: boolean;
  [key: string]: number | boolean;
}

/**
 * The numbers one SGD step of every parameter shares, as one float32 vector (uploaded once per
 * step): [lr, momentum, weightDecay, weights (S×k, row-major), pull (k×k, if any), trainable (k)].
 */
export function sgdPlan(lr: number, momentum: number, weightDecay: number, rows: RowGradients): Float32Array {
  const values = [lr, momentum, weightDecay, ...rows.weights.flat()];
  if (rows.pull) values.push(...rows.pull.flat());
  values.push(...rows.trainable.map((t) => (t ? 1 : 0)));
  return Float32Array.from(values);
}

/** Offsets into sgdPlan()'s vector, shared with the WebGPU shaders. */
export function planOffsets(attrs: SgdKernelAttrs): { weights: number; pull: number; trainable: number } {
  const weights = 3;
  const pull = weights + attrs.draws * attrs.rows;
  return { weights, pull, trainable: pull + (attrs.pull ? attrs.rows * attrs.rows : 0) };
}

function registered(kernel: string): boolean {
  return (tf.getKernel(kernel, tf.getBackend()) as tf.KernelConfig | undefined) !== undefined;
}

/** Σ_i coefficients[i]·stack[i] as [size]. Call inside tf.tidy. */
export function mixRows(stack: tf.Tensor2D, coefficients: tf.Tensor1D): tf.Tensor1D {
  if (registered(MIX_ROWS)) {
    return tf.engine().runKernel<tf.Tensor1D>(MIX_ROWS, { stack, coefficients });
  }
  return tf.reshape(tf.matMul(tf.reshape(coefficients, [1, -1]), stack), [stack.shape[1]]);
}

/** grad_r of RowGradients for every row, [k, size] (without weight decay). Call inside tf.tidy. */
export function rowGradients(variable: tf.Tensor2D, grads: tf.Tensor2D, rows: RowGradients): tf.Tensor2D {
  // A plain variable's gradient is its own: no product (the base model's every step).
  if (
    rows.pull === null &&
    rows.weights.length === 1 &&
    rows.trainable.length === 1 &&
    rows.weights[0]?.[0] === 1
  ) {
    return grads;
  }
  const fromGrads: tf.Tensor2D = tf.matMul(tf.tensor2d(rows.weights as number[][]), grads, true, false);
  if (!rows.pull) return fromGrads;
  return tf.add<tf.Tensor2D>(fromGrads, tf.matMul(tf.tensor2d(rows.pull as number[][]), variable));
}

/**
 * One SGD step of a [k, size] variable: { direction (the new momentum buffer when there is
 * momentum), updated (the new variable) }, both [k, size]. `buffer` is the momentum buffer (zeros
 * before the first step, so the first direction is the gradient, as PyTorch's), or null without
 * momentum. Call inside tf.tidy.
 */
export function sgdRows(
  variable: tf.Tensor2D,
  buffer: tf.Tensor2D | null,
  grads: tf.Tensor2D,
  step: { lr: number; momentum: number; weightDecay: number; rows: RowGradients; plan: tf.Tensor1D },
): { direction: tf.Tensor2D; updated: tf.Tensor2D } {
  const { rows } = step;
  if (registered(SGD_DIRECTION)) {
    const attrs: SgdKernelAttrs = {
      rows: variable.shape[0],
      draws: grads.shape[0],
      pull: rows.pull !== null,
      momentum: buffer !== null,
    };
    const inputs: tf.NamedTensorMap = { variable, grads, plan: step.plan };
    if (buffer) inputs.buffer = buffer;
    const direction = tf.engine().runKernel<tf.Tensor2D>(SGD_DIRECTION, inputs, attrs);
    const updated = tf
      .engine()
      .runKernel<tf.Tensor2D>(SGD_APPLY, { variable, direction, plan: step.plan }, attrs);
    return { direction, updated };
  }
  const g = tf.add<tf.Tensor2D>(rowGradients(variable, grads, rows), tf.mul(variable, step.weightDecay));
  const next = buffer ? tf.add<tf.Tensor2D>(tf.mul(buffer, step.momentum), g) : g;
  const moved = tf.sub<tf.Tensor2D>(variable, tf.mul(next, step.lr));
  if (rows.trainable.every((t) => t)) return { direction: next, updated: moved };
  // tf.where, not a multiply by the flags, so a NaN gradient never reaches a frozen row; the
  // [k, 1] condition broadcasts (tfjs tiles it, which is cheap on the CPU and WebGL).
  const keep = tf.tensor2d(
    rows.trainable.map((t) => [t]),
    [rows.trainable.length, 1],
    'bool',
  );
  const direction = tf.where<tf.Tensor2D>(keep, next, buffer ?? tf.zerosLike(variable));
  const updated = tf.where<tf.Tensor2D>(keep, moved, variable);
  return { direction, updated };
}
