// The wasm backend's pieces of the conv 3×3 + ReLU backward pass (conv3x3.ts), each one plain loop
// over the wasm heap where tfjs ops took several kernels and passes over the map:
// - the ReLU's mask with the bias gradient and the layout the filter gradient's conv reads, from
//   dy and the layer's output (was step, multiply, transpose, transpose and sum);
// - the zero-padded input as the filter gradient's conv reads it (was pad and transpose);
// - the filter flipped in space with its in/out swapped for the input gradient (was a transpose,
//   a 9×9 permutation uploaded every step, a matMul and reshapes);
// - a strided conv's output gradient with zeros between its values, so its input gradient is one
//   XNNPACK conv (tfjs-wasm's Conv2DBackpropInput is a plain loop, 3–4× slower there).
// tfjs's per-kernel work in JavaScript, not the arithmetic, was most of a small batch's step.

import * as tf from '@tensorflow/tfjs';
import { registerKernels } from '../util/kernels';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type Shape4 = readonly [number, number, number, number];

/**
 * For y = ReLU(z), NHWC [n, h, w, c]: dz = dy where y > 0, else 0; the same dz as [h, w, n, c]
 * (dzHwnc); and db[k] = Σ_{n,h,w} dz[…, k], summed in float64 in row-major order. The mask is
 * taken on the bits, without a branch (a branch on random signs mispredicts half the time, and
 * tripled the loop's time): for int32 bits b, ((−b) & ~b) >> 31 is all ones exactly when b > 0,
 * that is for a positive float (+0, −0 and negative y give 0; so does a NaN with its sign bit
 * set, while one without passes dy, as a NaN loss stops the run anyway).
 */
export function reluBackwardLoop(
  dy: Float32Array,
  y: Float32Array,
  [n, h, w, c]: Shape4,
  dz: Float32Array,
  dzHwnc: Float32Array,
  db: Float32Array,
): void {
  const yBits = new Int32Array(y.buffer, y.byteOffset, y.length);
  const dyBits = new Int32Array(dy.buffer, dy.byteOffset, dy.length);
  const dzBits = new Int32Array(dz.buffer, dz.byteOffset, dz.length);
  const size = n * h * w * c;
  for (let p = 0; p < size; p++) {
    const b = yBits[p] as number;
    dzBits[p] = (dyBits[p] as number) & ((-b & ~b) >> 31);
  }
  const sums = new Float64Array(c);
  const pixels = h * w;
  for (let image = 0; image < n; image++) {
    for (let q = 0; q < pixels; q++) {
      const at = (image * pixels + q) * c;
      const to = (q * n + image) * c;
      for (let k = 0; k < c; k++) {
        const v = dz[at + k] as number;
        dzHwnc[to + k] = v;
        sums[k] = (sums[k] as number) + v;
      }
    }
  }
  db.set(sums);
}

/** x NHWC [n, h, w, c] zero-padded by `pad` pixels and laid out [c, h + 2·pad, w + 2·pad, n]. */
export function padTransposeLoop(x: Float32Array, [n, h, w, c]: Shape4, out: Float32Array, pad = 1): void {
  out.fill(0);
  const rowStride = (w + 2 * pad) * n;
  const channelStride = (h + 2 * pad) * rowStride;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const at = ((b * h + i) * w + j) * c;
        const to = (i + pad) * rowStride + (j + pad) * n + b;
        for (let k = 0; k < c; k++) out[to + k * channelStride] = x[at + k] as number;
      }
    }
  }
}

/** A [kh, kw, c, o] filter as [kh, kw, o, c] with its taps reversed: out[i][j][p][q] = f[kh-1-i][kw-1-j][q][p]. */
export function flipFilterLoop(f: Float32Array, [kh, kw, c, o]: Shape4, out: Float32Array): void {
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      const from = ((kh - 1 - i) * kw + (kw - 1 - j)) * c * o;
      const to = (i * kw + j) * o * c;
      for (let q = 0; q < c; q++) {
        for (let p = 0; p < o; p++) out[to + p * c + q] = f[from + q * o + p] as number;
      }
    }
  }
}

/**
 * dz NHWC [n, h, w, c] with `stride − 1` zeros between neighbours, [n, s(h−1)+1, s(w−1)+1, c]: a
 * strided conv's input gradient is then a stride-1 conv of this with the flipped filter.
 */
export function dilateLoop(dz: Float32Array, [n, h, w, c]: Shape4, stride: number, out: Float32Array): void {
  out.fill(0);
  const wd = stride * (w - 1) + 1;
  const hd = stride * (h - 1) + 1;
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        out.set(
          dz.subarray(((b * h + i) * w + j) * c, ((b * h + i) * w + j + 1) * c),
          ((b * hd + stride * i) * wd + stride * j) * c,
        );
      }
    }
  }
}

export const RELU_BACKWARD = 'StudioReluBackward';
export const DILATE = 'StudioDilate';
export const PAD_TRANSPOSE = 'StudioPadTranspose';
export const FLIP_FILTER = 'StudioFlipFilter';

interface WasmArgs {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
  backend: BackendWasm;
}

const view = (backend: BackendWasm, t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;

// Outputs are allocated before any view is taken: an allocation may grow the heap, which detaches
// every view taken before it.
function reluBackwardWasm({ inputs, backend }: WasmArgs): tf.TensorInfo[] {
  const { dy, y } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
  const [n, h, w, c] = y.shape as [number, number, number, number];
  const dz = backend.makeOutput([n, h, w, c], 'float32');
  const dzHwnc = backend.makeOutput([h, w, n, c], 'float32');
  const db = backend.makeOutput([c], 'float32');
  const views = [dz, dzHwnc, db].map((t) => view(backend, t)) as [Float32Array, Float32Array, Float32Array];
  reluBackwardLoop(view(backend, dy), view(backend, y), [n, h, w, c], ...views);
  return [dz, dzHwnc, db];
}

/** attrs.padding: pixels of zeros on every side (1 when absent: the 3×3 conv's). */
function padTransposeWasm({ inputs, attrs, backend }: WasmArgs): tf.TensorInfo {
  const { x } = inputs as { x: tf.TensorInfo };
  const pad = (attrs?.padding as number | undefined) ?? 1;
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const out = backend.makeOutput([c, h + 2 * pad, w + 2 * pad, n], 'float32');
  padTransposeLoop(view(backend, x), [n, h, w, c], view(backend, out), pad);
  return out;
}

function flipFilterWasm({ inputs, backend }: WasmArgs): tf.TensorInfo {
  const { filter } = inputs as { filter: tf.TensorInfo };
  const [kh, kw, c, o] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([kh, kw, o, c], 'float32');
  flipFilterLoop(view(backend, filter), [kh, kw, c, o], view(backend, out));
  return out;
}

/** attrs.stride: the conv's stride the zeros undo. */
function dilateWasm({ inputs, attrs, backend }: WasmArgs): tf.TensorInfo {
  const { dz } = inputs as { dz: tf.TensorInfo };
  const stride = attrs?.stride as number;
  const [n, h, w, c] = dz.shape as [number, number, number, number];
  const out = backend.makeOutput([n, stride * (h - 1) + 1, stride * (w - 1) + 1, c], 'float32');
  dilateLoop(view(backend, dz), [n, h, w, c], stride, view(backend, out));
  return out;
}

/** Registers the kernels for the wasm backend (once per process; after it started). */
export function registerWasmConvKernels(): void {
  registerKernels('wasm', {
    [RELU_BACKWARD]: reluBackwardWasm,
    [PAD_TRANSPOSE]: padTransposeWasm,
    [FLIP_FILTER]: flipFilterWasm,
    [DILATE]: dilateWasm,
  });
}
