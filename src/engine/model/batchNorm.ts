// Batch norm as PyTorch's BatchNorm2d (eps 1e-5), followed by the ReLU every BN layer of the
// reference's networks feeds, on NHWC maps:
// - training: the batch's statistics, mean and biased variance over N·H·W per channel; the op
//   also returns them, so the caller updates the shared running statistics (unbiased, momentum);
// - evaluation: given statistics (the stored running ones, or ones recomputed at a point).
// On the backends whose memory JavaScript reads (CPU, wasm), training's forward and backward are
// one loop each (as tfjs ops: about 6 kernels forward and 20 backward per layer, and tfjs's work
// per kernel, not the arithmetic, dominated a small batch's step); on wasm with SIMD, the same
// arithmetic as the studio's SIMD loops (wasmKernels/kernels.wat: the same floats, 4× faster). Elsewhere (WebGL, WebGPU's
// tfjs path) the same math as tfjs ops, differentiated by the tape.
//
// Backward, with x̂ = (x − μ)·r, r = 1/√(σ² + ε), y = γ·x̂ + β, M = N·H·W and g = dy masked by the ReLU:
//   dβ = Σ g,  dγ = Σ g·x̂,  dx = γ·r/M · (M·g − dβ − x̂·dγ).

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BN_EPS } from '../../protocol/network';
import { hasKernel, registerKernels } from '../util/kernels';
import { wasmKernels } from '../wasmKernels';

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
 * `relu`. Writes y, mean and variance whole. The ReLU is taken on the float's bits, without a
 * branch: on random signs a branch mispredicts half the time, which tripled the loop's time.
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
  channelMoments(x, m, c, mean, variance);
  const scale = new Float32Array(c);
  const shift = new Float32Array(c);
  normScaleShift(gamma, beta, mean, variance, scale, shift);
  scaleShift(x, m * c, c, scale, shift, y);
  if (relu) reluBits(y, m * c);
}

/** Per channel: y = x·scale + shift normalises with these statistics, then scales by γ and shifts by β. */
function normScaleShift(
  gamma: Float32Array,
  beta: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  scale: Float32Array,
  shift: Float32Array,
): void {
  for (let k = 0; k < gamma.length; k++) {
    scale[k] = (gamma[k] as number) / Math.sqrt((variance[k] as number) + BN_EPS);
    shift[k] = (beta[k] as number) - (mean[k] as number) * (scale[k] as number);
  }
}

// The passes are functions of their own: V8 optimises small loops apart better than one long
// function of them (measured: 7 against 12 ns per element on the forward pass).

/** Per channel of [m, c]: the mean and biased variance, two passes with float64 sums. */
function channelMoments(
  x: Float32Array,
  m: number,
  c: number,
  mean: Float32Array,
  variance: Float32Array,
): void {
  const n = m * c;
  const sums = new Float64Array(c);
  for (let p = 0; p < n; p += c) {
    for (let k = 0; k < c; k++) sums[k] = (sums[k] as number) + (x[p + k] as number);
  }
  const mu = sums.map((s) => s / m);
  const squares = new Float64Array(c);
  for (let p = 0; p < n; p += c) {
    for (let k = 0; k < c; k++) {
      const d = (x[p + k] as number) - (mu[k] as number);
      squares[k] = (squares[k] as number) + d * d;
    }
  }
  for (let k = 0; k < c; k++) {
    mean[k] = mu[k] as number;
    variance[k] = (squares[k] as number) / m;
  }
}

/** out[p] = x[p]·scale[k] + shift[k], k the channel of p, over n values of c channels. */
function scaleShift(
  x: Float32Array,
  n: number,
  c: number,
  scale: Float32Array,
  shift: Float32Array,
  out: Float32Array,
): void {
  for (let p = 0; p < n; p += c) {
    for (let k = 0; k < c; k++)
      out[p + k] = (x[p + k] as number) * (scale[k] as number) + (shift[k] as number);
  }
}

/** ReLU in place on the bits: b & ~(b >> 31) keeps a positive float and makes a negative one +0. */
function reluBits(y: Float32Array, n: number): void {
  const bits = new Int32Array(y.buffer, y.byteOffset, n);
  for (let p = 0; p < n; p++) {
    const b = bits[p] as number;
    bits[p] = b & ~(b >> 31);
  }
}

/**
 * The definition of training mode's backward pass (see the header), on [M, C]; `y` is the forward
 * output, whose sign masks dy when `relu` (on the bits, as the forward pass: y > 0 exactly when
 * its bits b have ((−b) & ~b) >> 31 all ones). Writes dx, dγ and dβ whole.
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
  const n = m * c;
  // g = dy masked by the ReLU, written into dx first (dx is rewritten whole below).
  if (relu) {
    const yBits = new Int32Array(y.buffer, y.byteOffset, n);
    const dyBits = new Int32Array(dy.buffer, dy.byteOffset, n);
    const gBits = new Int32Array(dx.buffer, dx.byteOffset, n);
    for (let p = 0; p < n; p++) {
      const b = yBits[p] as number;
      gBits[p] = (dyBits[p] as number) & ((-b & ~b) >> 31);
    }
  } else {
    dx.set(dy.subarray(0, n));
  }
  const sumG = new Float64Array(c);
  const sumGx = new Float64Array(c);
  gradientSums(dx, x, mean, n, c, sumG, sumGx);
  const gain = new Float32Array(c);
  const offset = new Float32Array(c);
  const slope = new Float32Array(c);
  gradTerms(gamma, mean, variance, m, sumG, sumGx, { dGamma, dBeta, gain, slope, offset });
  for (let p = 0; p < n; p += c) {
    for (let k = 0; k < c; k++) {
      dx[p + k] =
        (gain[k] as number) * (dx[p + k] as number) -
        (slope[k] as number) * (x[p + k] as number) +
        (offset[k] as number);
    }
  }
}

interface GradTerms {
  dGamma: Float32Array;
  dBeta: Float32Array;
  gain: Float32Array;
  slope: Float32Array;
  offset: Float32Array;
}

/**
 * Per channel, from Σ g and Σ g·(x − μ) over m rows: dγ, dβ, and the terms of
 * dx = a·(M·g − dβ − x̂·dγ) = a·M·g − a·dβ − (x − μ)·(a·r·dγ), with a = γ·r/M, as
 * dx = gain·g − slope·x + offset.
 */
function gradTerms(
  gamma: Float32Array,
  mean: Float32Array,
  variance: Float32Array,
  m: number,
  sumG: Float64Array,
  sumGx: Float64Array,
  out: GradTerms,
): void {
  for (let k = 0; k < gamma.length; k++) {
    const rk = 1 / Math.sqrt((variance[k] as number) + BN_EPS);
    const dg = (sumGx[k] as number) * rk;
    const a = ((gamma[k] as number) * rk) / m;
    out.dBeta[k] = sumG[k] as number;
    out.dGamma[k] = dg;
    out.gain[k] = a * m;
    out.slope[k] = a * rk * dg;
    out.offset[k] = -a * (sumG[k] as number) + (mean[k] as number) * (out.slope[k] as number);
  }
}

/** Per channel: Σ g and Σ g·(x − μ), float64. */
function gradientSums(
  g: Float32Array,
  x: Float32Array,
  mean: Float32Array,
  n: number,
  c: number,
  sumG: Float64Array,
  sumGx: Float64Array,
): void {
  for (let p = 0; p < n; p += c) {
    for (let k = 0; k < c; k++) {
      const v = g[p + k] as number;
      sumG[k] = (sumG[k] as number) + v;
      sumGx[k] = (sumGx[k] as number) + v * ((x[p + k] as number) - (mean[k] as number));
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
  const relu = (attrs as BnAttrs).relu;
  const simd = wasmKernels();
  if (simd && c % 4 === 0) {
    const [y, mean, variance] = outputs.map(simd.at) as [number, number, number];
    // Scratch: the moments' 2c float64 sums, then scale and shift as float32.
    simd.withScratch(6 * c, (sums) => {
      simd.run.bnMoments(simd.at(x), m, c, mean, variance, sums);
      const floats = (at: number) => simd.f32(at, c);
      const [scale, shift] = [sums + 16 * c, sums + 20 * c];
      normScaleShift(
        floats(simd.at(gamma)),
        floats(simd.at(beta)),
        floats(mean),
        floats(variance),
        floats(scale),
        floats(shift),
      );
      simd.run.bnApply(simd.at(x), y, m, c, scale, shift, relu ? 1 : 0);
    });
    return outputs;
  }
  const view = (info: tf.TensorInfo) => backend.typedArrayFromHeap(info) as Float32Array;
  const [y, mean, variance] = outputs.map(view) as [Float32Array, Float32Array, Float32Array];
  batchNormTrainLoop(view(x), view(gamma), view(beta), [m, c], relu, y, mean, variance);
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
  const relu = (attrs as BnAttrs).relu;
  const simd = wasmKernels();
  if (simd && c % 4 === 0) {
    const [dx, dGamma, dBeta] = outputs.map(simd.at) as [number, number, number];
    // g: dy masked by the ReLU, written into dx (rewritten whole below), or dy itself.
    const g = relu ? dx : simd.at(t.dy);
    if (relu) simd.run.reluMask(simd.at(t.dy), simd.at(t.y), dx, m * c);
    // Scratch: Σ g and Σ g·(x − μ) as float64, then gain, slope and offset as float32.
    simd.withScratch(7 * c, (sums) => {
      simd.run.bnGradSums(g, simd.at(t.x), simd.at(t.mean), m, c, sums, sums + 8 * c);
      const terms = sums + 16 * c;
      const floats = (at: number) => simd.f32(at, c);
      const doubles = (at: number) => simd.f64(at, c);
      gradTerms(
        floats(simd.at(t.gamma)),
        floats(simd.at(t.mean)),
        floats(simd.at(t.variance)),
        m,
        doubles(sums),
        doubles(sums + 8 * c),
        {
          dGamma: floats(dGamma),
          dBeta: floats(dBeta),
          gain: floats(terms),
          slope: floats(terms + 4 * c),
          offset: floats(terms + 8 * c),
        },
      );
      simd.run.bnGradApply(g, simd.at(t.x), dx, m, c, terms, terms + 4 * c, terms + 8 * c);
    });
    return outputs;
  }
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
    relu,
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
