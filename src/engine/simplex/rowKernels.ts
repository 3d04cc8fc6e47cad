// The two things a training step does once per parameter to its stack of vertices ([k, size],
// row i = vertex i): mix the rows at the step's coefficients, and move the trainable rows by SGD
// with the simplex's gradient folded in. Each is one kernel on every backend the studio runs on:
// on a GPU a step is bound by tfjs's CPU cost per kernel, and elsewhere by passes over memory, so
// a SPRO step must cost about as many kernels and passes as a plain one. The CPU kernels below
// are the definition; the worker registers the same math for WebGPU (worker/webgpuKernels.ts) and
// WebGL (worker/webglKernels.ts), tested against these.

import * as tf from '@tensorflow/tfjs';
import { registerKernels } from '../util/kernels';

/** Inputs {stack [k, size], coefficients [k]} → [size]: Σ_i coefficients[i]·stack[i]. */
export const MIX_ROWS = 'StudioMixRows';
/** Inputs {variable, buffer?, grads, plan} → the new momentum buffer (the step's direction). */
export const SGD_DIRECTION = 'StudioSgdDirection';
/** Inputs {variable, direction, plan} → the trainable rows moved by −lr·direction, the rest kept. */
export const SGD_APPLY = 'StudioSgdApply';

/**
 * Inputs {stack [k, size], sums [pairs, columns]}, attrs {pairs: [a0, b0, a1, b1, …]} →
 * sums[p, c] + Σ_{i ≡ c mod columns} (stack[a_p, i] − stack[b_p, i])²: the volume's squared
 * distances, one parameter at a time into running sums, so nothing copies the vertices.
 */
export const ROW_DISTANCES = 'StudioRowDistances';
/**
 * At most this many elements of a row per column of ROW_DISTANCES' sums: a GPU thread per column
 * and pair then loops a few hundred times even on a width-1 layer (2.4 million weights).
 */
export const DISTANCE_SPAN = 256;

export interface RowDistanceAttrs {
  pairs: number[];
  [key: string]: number[];
}

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

/** Σ_i coefficients[i]·stack[i] as [size]. Call inside tf.tidy. */
export function mixRows(stack: tf.Tensor2D, coefficients: tf.Tensor1D): tf.Tensor1D {
  return tf.engine().runKernel<tf.Tensor1D>(MIX_ROWS, { stack, coefficients });
}

/**
 * Squared distances between the rows `pairs` ([a, b] each) of every stack, summed over the
 * stacks: [pairs.length]. One kernel per stack, then one sum. Call inside tf.tidy.
 */
export function rowDistances(
  stacks: readonly tf.Tensor2D[],
  pairs: readonly (readonly [number, number])[],
): tf.Tensor1D {
  if (pairs.length === 0) return tf.zeros([0]);
  const attrs: RowDistanceAttrs = { pairs: pairs.flat() };
  const largest = Math.max(...stacks.map((stack) => stack.shape[1]));
  let sums: tf.Tensor2D = tf.zeros([pairs.length, Math.max(1, Math.ceil(largest / DISTANCE_SPAN))]);
  for (const stack of stacks) {
    sums = tf.engine().runKernel<tf.Tensor2D>(ROW_DISTANCES, { stack, sums }, attrs);
  }
  return tf.sum(sums, 1);
}

/**
 * One SGD step of a [k, size] variable: { direction (the new momentum buffer when there is
 * momentum), updated (the new variable) }, both [k, size]. `buffer` is the momentum buffer (zeros
 * before the first step, so the first direction is the gradient, as PyTorch's), or null without
 * momentum. `plan` is sgdPlan()'s vector for `rows`. Call inside tf.tidy.
 */
export function sgdRows(
  variable: tf.Tensor2D,
  buffer: tf.Tensor2D | null,
  grads: tf.Tensor2D,
  rows: RowGradients,
  plan: tf.Tensor1D,
): { direction: tf.Tensor2D; updated: tf.Tensor2D } {
  const attrs: SgdKernelAttrs = {
    rows: variable.shape[0],
    draws: grads.shape[0],
    pull: rows.pull !== null,
    momentum: buffer !== null,
  };
  const inputs: tf.NamedTensorMap = { variable, grads, plan };
  if (buffer) inputs.buffer = buffer;
  const direction = tf.engine().runKernel<tf.Tensor2D>(SGD_DIRECTION, inputs, attrs);
  const updated = tf.engine().runKernel<tf.Tensor2D>(SGD_APPLY, { variable, direction, plan }, attrs);
  return { direction, updated };
}

/**
 * grad_r of RowGradients for every row, [k, size]: the direction kernel without momentum, weight
 * decay or frozen rows, so tests compare the vertices' gradients the optimizer really applies.
 * Call inside tf.tidy.
 */
export function rowGradients(variable: tf.Tensor2D, grads: tf.Tensor2D, rows: RowGradients): tf.Tensor2D {
  const all = { ...rows, trainable: rows.trainable.map(() => true) };
  const plan = tf.tensor1d(sgdPlan(0, 0, 0, all));
  return sgdRows(variable, null, grads, all, plan).direction;
}

// The kernels' math as loops over plain arrays: the definition the GPU kernels are tested
// against. tfjs's CPU backend runs them on its arrays (below); the wasm backend on views of its
// heap (wasmRowKernels.ts). Each writes a fresh output, one pass per row and term.

/** out[i] = Σ_r c[r]·v[r·size + i], out zero-filled, [size]. */
export function mixRowsLoop(
  v: Float32Array,
  c: Float32Array,
  k: number,
  size: number,
  out: Float32Array,
): void {
  out.fill(0);
  for (let r = 0; r < k; r++) addScaled(out, 0, c[r] as number, v, r * size, size);
}

/**
 * The SGD direction of every row of v ([k, n]): the frozen rows keep their buffer (b), the
 * trainable ones weight decay + gradient (+ momentum·buffer). p is sgdPlan()'s vector.
 */
export function sgdDirectionLoop(
  shape: SgdKernelAttrs,
  v: Float32Array,
  b: Float32Array | null,
  g: Float32Array,
  p: Float32Array,
  n: number,
  out: Float32Array,
): void {
  const k = shape.rows;
  const at = planOffsets(shape);
  const [momentum = 0, weightDecay = 0] = [p[1], p[2]];
  for (let r = 0; r < k; r++) {
    const row = r * n;
    if ((p[at.trainable + r] as number) < 0.5) {
      if (b) out.set(b.subarray(row, row + n), row);
      else out.fill(0, row, row + n);
      continue;
    }
    const weights = Array.from({ length: shape.draws }, (_, s) => p[at.weights + s * k + r] as number);
    const pulls = shape.pull ? Array.from({ length: k }, (_, j) => p[at.pull + r * k + j] as number) : [];
    // One pass, rounding to float32 after each term as the terms' own passes did (and as the GPU
    // kernels do), so the result is the same to the bit. One draw without a pull (a plain step)
    // has its own loop: the inner loops per element cost more than the arithmetic.
    if (weights.length === 1 && pulls.length === 0) {
      const w0 = weights[0] as number;
      for (let i = row; i < row + n; i++) {
        const t = Math.fround(Math.fround(weightDecay * (v[i] as number)) + w0 * (g[i - row] as number));
        out[i] = b ? momentum * (b[i] as number) + t : t;
      }
      continue;
    }
    for (let i = 0; i < n; i++) {
      let t = Math.fround(weightDecay * (v[row + i] as number));
      for (let s = 0; s < weights.length; s++)
        t = Math.fround(t + (weights[s] as number) * (g[s * n + i] as number));
      for (let j = 0; j < pulls.length; j++)
        t = Math.fround(t + (pulls[j] as number) * (v[j * n + i] as number));
      out[row + i] = b ? momentum * (b[row + i] as number) + t : t;
    }
  }
}

/** The trainable rows of v ([k, n]) moved by −lr·d, the rest copied. */
export function sgdApplyLoop(
  shape: SgdKernelAttrs,
  v: Float32Array,
  d: Float32Array,
  p: Float32Array,
  n: number,
  out: Float32Array,
): void {
  const at = planOffsets(shape);
  const lr = p[0] as number;
  out.set(v);
  for (let r = 0; r < shape.rows; r++) {
    if ((p[at.trainable + r] as number) < 0.5) continue;
    for (let i = r * n; i < (r + 1) * n; i++) out[i] = (v[i] as number) - lr * (d[i] as number);
  }
}

/** out = sums + the squared differences of v's row pairs ([size] each), folded into `columns`. */
export function rowDistancesLoop(
  pairs: readonly number[],
  v: Float32Array,
  size: number,
  sums: Float32Array,
  columns: number,
  out: Float32Array,
): void {
  out.set(sums);
  for (let p = 0; p < pairs.length / 2; p++) {
    const a = (pairs[2 * p] as number) * size;
    const b = (pairs[2 * p + 1] as number) * size;
    const column = p * columns;
    for (let start = 0; start < size; start += columns) {
      const end = Math.min(start + columns, size);
      for (let i = start; i < end; i++) {
        const d = (v[a + i] as number) - (v[b + i] as number);
        out[column + i - start] = (out[column + i - start] as number) + d * d;
      }
    }
  }
}

/** out[to + i] += scale · from[at + i] for i < n. */
function addScaled(
  out: Float32Array,
  to: number,
  scale: number,
  from: Float32Array,
  at: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) out[to + i] = (out[to + i] as number) + scale * (from[at + i] as number);
}

interface CpuKernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.MathBackendCPU;
  attrs?: unknown;
}

function floats(backend: tf.MathBackendCPU, tensor: tf.TensorInfo | undefined): Float32Array {
  if (!tensor) throw new Error('a row kernel input is missing');
  return backend.data.get(tensor.dataId).values as Float32Array;
}

function mixRowsCpu({ inputs, backend }: CpuKernelArgs): tf.TensorInfo {
  const { stack, coefficients } = inputs as { stack: tf.TensorInfo; coefficients: tf.TensorInfo };
  const [k = 0, size = 0] = stack.shape;
  const out = new Float32Array(size);
  mixRowsLoop(floats(backend, stack), floats(backend, coefficients), k, size, out);
  return backend.makeTensorInfo([size], 'float32', out);
}

function sgdDirectionCpu({ inputs, backend, attrs }: CpuKernelArgs): tf.TensorInfo {
  const shape = attrs as SgdKernelAttrs;
  const { variable, buffer, grads, plan } = inputs;
  const [k = 0, n = 0] = (variable as tf.TensorInfo).shape;
  const out = new Float32Array(k * n);
  const b = shape.momentum ? floats(backend, buffer) : null;
  sgdDirectionLoop(
    shape,
    floats(backend, variable),
    b,
    floats(backend, grads),
    floats(backend, plan),
    n,
    out,
  );
  return backend.makeTensorInfo([k, n], 'float32', out);
}

function sgdApplyCpu({ inputs, backend, attrs }: CpuKernelArgs): tf.TensorInfo {
  const { variable, direction, plan } = inputs;
  const [k = 0, n = 0] = (variable as tf.TensorInfo).shape;
  const out = new Float32Array(k * n);
  const v = floats(backend, variable);
  sgdApplyLoop(attrs as SgdKernelAttrs, v, floats(backend, direction), floats(backend, plan), n, out);
  return backend.makeTensorInfo([k, n], 'float32', out);
}

function rowDistancesCpu({ inputs, backend, attrs }: CpuKernelArgs): tf.TensorInfo {
  const { stack, sums } = inputs;
  const { pairs } = attrs as RowDistanceAttrs;
  const [, size = 0] = (stack as tf.TensorInfo).shape;
  const [, columns = 1] = (sums as tf.TensorInfo).shape;
  const out = new Float32Array((pairs.length / 2) * columns);
  rowDistancesLoop(pairs, floats(backend, stack), size, floats(backend, sums), columns, out);
  return backend.makeTensorInfo([pairs.length / 2, columns], 'float32', out);
}

/** One backend's implementation of every row kernel, by kernel name. */
export type RowKernelSet = Record<
  typeof MIX_ROWS | typeof SGD_DIRECTION | typeof SGD_APPLY | typeof ROW_DISTANCES,
  (args: never) => tf.TensorInfo
>;

/** Registers `kernels` for tfjs's backend `backendName`, once per process. */
export function registerRowKernels(backendName: string, kernels: RowKernelSet): void {
  registerKernels(backendName, kernels);
}

registerRowKernels('cpu', {
  [MIX_ROWS]: mixRowsCpu,
  [SGD_DIRECTION]: sgdDirectionCpu,
  [SGD_APPLY]: sgdApplyCpu,
  [ROW_DISTANCES]: rowDistancesCpu,
});
