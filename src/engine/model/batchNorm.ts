// Batch norm as PyTorch's BatchNorm2d (eps 1e-5), followed by the ReLU every BN layer of the
// reference's networks feeds, on NHWC maps:
// - training: the batch's statistics, mean and biased variance over N·H·W per channel; the op
//   also returns them, so the caller updates the shared running statistics (unbiased, momentum);
// - evaluation: given statistics (the stored running ones, or ones recomputed at a point).
// On the backends whose memory JavaScript reads (CPU, wasm), training's forward and backward are
// one loop each (as tfjs ops: about 6 kernels forward and 20 backward per layer, and tfjs's work
// per kernel, not the arithmetic, dominated a small batch's step). Elsewhere (WebGL, WebGPU's
// tfjs path) the same math as tfjs ops, differentiated by the tape.
//
// Backward, with x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γ·x̂ + β, M = N·H·W and g = dy masked by the ReLU:
//   dβ = Σ g,  dγ = Σ g·x̂,  dx = γ·r/M · (M·g − dβ − x̂·dγ).

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BN_EPS } from '../../protocol/network';
import { hasKernel, registerKernels } from '../util/kernels';

/** One layer's batch statistics from a training pass: mean and biased variance over `count` values per channel. */
export interface BatchMoments {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** N·H·W: how many values each channel's statistics are over. */
  count: number;
}

/** Per channel: the statistics evaluation normalises with. */
export interface NormStatistics {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

export const BATCH_NORM_TRAIN = 'StudioBatchNormTrain';
export const BATCH_NORM_GRAD = 'StudioBatchNormGrad';

interface BnAttrs {
  relu: boolean;
  [key: string]: boolean;
}

/**
 * Training mode: ReLU(BN(x)) with the batch's statistics (`relu` false: BN alone), and those
 * statistics. Differentiable with respect to x, γ and β.
 */
export function batchNormTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  relu: boolean,
): { y: tf.Tensor4D; moments: BatchMoments } {
  const [n, h, w] = x.shape;
  const count = n * h * w;
  if (hasKernel(BATCH_NORM_TRAIN)) {
    const attrs: BnAttrs = { relu };
    const [y, mean, variance] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAIN, { x, gamma, beta }, attrs) as unknown as [
      tf.Tensor4D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
    return { y, moments: { mean, variance, count } };
  }
  const { mean, variance } = tf.moments(x, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
  const normed = tf.batchNorm(x, mean, variance, beta, gamma, BN_EPS);
  return { y: relu ? tf.relu(normed) : normed, moments: { mean, variance, count } };
}

/** Evaluation mode: ReLU(BN(x)) with given statistics (`relu` false: BN alone). */
export function batchNormEval(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  statistics: NormStatistics,
  relu: boolean,
): tf.Tensor4D {
  const normed = tf.batchNorm(x, statistics.mean, statistics.variance, beta, gamma, BN_EPS);
  return relu ? tf.relu(normed) : normed;
}

type Shape2 = readonly [number, number];

/**
 * The definition of training mode on [M, C] (M = N·H·W rows of C channels): per channel the mean
 * and biased variance (two passes, float64 sums), then y = γ·(x − μ)/√(σ² + ε) + β, ReLU'd when
 * `relu`. Writes y, mean and variance whole.
 */
export function batchNormTrainLoop(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  [m, c]: Shape2,
  relu: boolean,
  y: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const sums = new Float64Array(c);
  for (let i = 0, p = 0; i < m; i++) {
    for (let k = 0; k < c; k++, p++) sums[k] = (sums[k] as number) + (x[p] as number);
  }
  const mu = sums.map((s) => s / m);
  const squares = new Float64Array(c);
  for (let i = 0, p = 0; i < m; i++) {
    for (let k = 0; k < c; k++, p++) {
      const d = (x[p] as number) - (mu[k] as number);
      squares[k] = (squares[k] as number) + d * d;
    }
  }
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const v = (squares[k] as number) / m;
    mean[k] = mu[k] as number;
    variance[k] = v;
    scale[k] = (gamma[k] as number) / Math.sqrt(v + BN_EPS);
    shift[k] = (beta[k] as number) - (mu[k] as number) * (scale[k] as number);
  }
  for (let i = 0, p = 0; i < m; i++) {
    for (let k = 0; k < c; k++, p++) {
      const v = (x[p] as number) * (scale[k] as number) + (shift[k] as number);
      y[p] = relu && !(v > 0) ? 0 : v;
    }
  }
}

/**
 * The definition of training mode's backward pass (see the header), on [M, C]; `y` is the forward
 * output, whose sign masks dy when `relu`. Writes dx, dγ and dβ whole.
 */
export function batchNormGradLoop(
  dy: Float32Array,
  x: Float32Array,
  y: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  [m, c]: Shape2,
  relu: boolean,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  const r = new Float64Array(c);
  for (let k = 0; k < c; k++) r[k] = 1 / Math.sqrt((variance[k] as number) + BN_EPS);
  const sumG = new Float64Array(c);
  const sumGx = new Float64Array(c);
  for (let i = 0, p = 0; i < m; i++) {
    for (let k = 0; k < c; k++, p++) {
      const g = relu && !((y[p] as number) > 0) ? 0 : (dy[p] as number);
      sumG[k] = (sumG[k] as number) + g;
      sumGx[k] = (sumGx[k] as number) + g * ((x[p] as number) - (mean[k] as number)) * (r[k] as number);
    }
  }
  const a = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    dBeta[k] = sumG[k] as number;
    dGamma[k] = sumGx[k] as number;
    a[k] = ((gamma[k] as number) * (r[k] as number)) / m;
  }
  for (let i = 0, p = 0; i < m; i++) {
    for (let k = 0; k < c; k++, p++) {
      const g = relu && !((y[p] as number) > 0) ? 0 : (dy[p] as number);
      const xhat = ((x[p] as number) - (mean[k] as number)) * (r[k] as number);
      dx[p] = (a[k] as number) * (m * g - (sumG[k] as number) - xhat * (sumGx[k] as number));
    }
  }
}

interface KernelArgs<B> {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
  backend: B;
}

/** [M, C] of an NHWC shape. */
const rowsOf = (shape: readonly number[]): Shape2 => {
  const c = shape[shape.length - 1] as number;
  return [tf.util.sizeFromShape(shape as number[]) / c, c];
};

function trainCpu({ inputs, attrs, backend }: KernelArgs<tf.MathBackendCPU>): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
  const read = (t: tf.TensorInfo) => backend.data.get(t.dataId).values as Float32Array;
  const [m, c] = rowsOf(x.shape);
  const y = new Float32Array(m * c);
  const mean = new Float32Array(c);
  const variance = new Float32Array(c);
  batchNormTrainLoop(read(x), read(gamma), read(beta), [m, c], (attrs as BnAttrs).relu, y, mean, variance);
  return [
    backend.makeTensorInfo(x.shape, 'float32', y),
    backend.makeTensorInfo([c], 'float32', mean),
    backend.makeTensorInfo([c], 'float32', variance),
  ];
}

function gradCpu({ inputs, attrs, backend }: KernelArgs<tf.MathBackendCPU>): tf.TensorInfo[] {
  const t = inputs as Record<'dy' | 'x' | 'y' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>;
  const read = (info: tf.TensorInfo) => backend.data.get(info.dataId).values as Float32Array;
  const [m, c] = rowsOf(t.x.shape);
  const dx = new Float32Array(m * c);
  const dGamma = new Float32Array(c);
  const dBeta = new Float32Array(c);
  batchNormGradLoop(
    read(t.dy),
    read(t.x),
    read(t.y),
    read(t.gamma),
    read(t.mean),
    read(t.variance),
    [m, c],
    (attrs as BnAttrs).relu,
    dx,
    dGamma,
    dBeta,
  );
  return [
    backend.makeTensorInfo(t.x.shape, 'float32', dx),
    backend.makeTensorInfo([c], 'float32', dGamma),
    backend.makeTensorInfo([c], 'float32', dBeta),
  ];
}

// Outputs are allocated before any view is taken: an allocation may grow the heap, which detaches
// every view taken before it.
function trainWasm({ inputs, attrs, backend }: KernelArgs<BackendWasm>): tf.TensorInfo[] {
  const { x, gamma, beta } = inputs as Record<'x' | 'gamma' | 'beta', tf.TensorInfo>;
  const [m, c] = rowsOf(x.shape);
  const outputs = [
    backend.makeOutput(x.shape, 'float32'),
    backend.makeOutput([c], 'float32'),
    backend.makeOutput([c], 'float32'),
  ];
  const view = (info: tf.TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  const [y, mean, variance] = outputs.map(view) as [Float32Array, Float32Array, Float32Array];
  batchNormTrainLoop(view(x), view(gamma), view(beta), [m, c], (attrs as BnAttrs).relu, y, mean, variance);
  return outputs;
}

function gradWasm({ inputs, attrs, backend }: KernelArgs<BackendWasm>): tf.TensorInfo[] {
  const t = inputs as Record<'dy' | 'x' | 'y' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>;
  const [m, c] = rowsOf(t.x.shape);
  const outputs = [
    backend.makeOutput(t.x.shape, 'float32'),
    backend.makeOutput([c], 'float32'),
    backend.makeOutput([c], 'float32'),
  ];
  const view = (info: tf.TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  const [dx, dGamma, dBeta] = outputs.map(view) as [Float32Array, Float32Array, Float32Array];
  batchNormGradLoop(
    view(t.dy),
    view(t.x),
    view(t.y),
    view(t.gamma),
    view(t.mean),
    view(t.variance),
    [m, c],
    (attrs as BnAttrs).relu,
    dx,
    dGamma,
    dBeta,
  );
  return outputs;
}

registerKernels('cpu', { [BATCH_NORM_TRAIN]: trainCpu, [BATCH_NORM_GRAD]: gradCpu });

/** Registers the wasm kernels (once per process; after the wasm backend started). */
export function registerWasmBatchNormKernels(): void {
  registerKernels('wasm', { [BATCH_NORM_TRAIN]: trainWasm, [BATCH_NORM_GRAD]: gradWasm });
}

// The mean and variance outputs carry no gradient (they only feed the running statistics). The
// three gradients come from one kernel, run here: the tape calls each input's function in a scope
// of its own, which would dispose the other two outputs of a kernel run inside one of them.
tf.registerGradient({
  kernelName: BATCH_NORM_TRAIN,
  inputsToSave: ['x', 'gamma'],
  outputsToSave: [true, true, true],
  gradFunc: (dys, saved, attrs) => {
    const dy = (Array.isArray(dys) ? dys[0] : dys) as tf.Tensor4D;
    const [x, gamma, y, mean, variance] = saved as [
      tf.Tensor4D,
      tf.Tensor1D,
      tf.Tensor4D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
    const [dx, dGamma, dBeta] = tf
      .engine()
      .runKernel(BATCH_NORM_GRAD, { dy, x, y, gamma, mean, variance }, attrs) as unknown as [
      tf.Tensor4D,
      tf.Tensor1D,
      tf.Tensor1D,
    ];
    return { x: () => dx, gamma: () => dGamma, beta: () => dBeta };
  },
});
