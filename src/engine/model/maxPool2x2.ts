// Max-pool 2×2, stride 2, whose gradient goes to the FIRST maximum of each window in row-major
// order ((0,0), (0,1), (1,0), (1,1)), as PyTorch's max_pool2d does. tfjs's backends route a tied
// window's gradient elsewhere (the CPU backend to another position), and ties are common: zero
// padding of random crops and ReLU zeros make constant windows. Routing them alike on every backend
// keeps runs on CPU, WebGL, WebGPU and the compiled step on the same trajectory. The gradient is
// one plain loop on the backends whose memory JavaScript reads (CPU, wasm): as tfjs ops (slices,
// comparisons, concats, which every backend runs) it took a quarter of a wasm training step. The
// compiled step's WGSL twin is src/engine/compiled/kernels/pool.ts.

import * as tf from '@tensorflow/tfjs';
import { hasKernel, registerKernels } from '../util/kernels';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { StudioError } from '../../protocol/errors';

/** NHWC [N, H, W, C] → [N, H/2, W/2, C]; H and W even (every VGG map is a power of two). */
export function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  if (h % 2 !== 0 || w % 2 !== 0) {
    throw new StudioError('SHAPE_MISMATCH', `A 2×2 max-pool needs an even map; got ${h}×${w}.`);
  }
  return firstMaxPool(x);
}

const firstMaxPool = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
  const y = tf.maxPool(x, 2, 2, 'valid');
  save([x, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xs, ys] = saved as [tf.Tensor4D, tf.Tensor4D];
      return firstMaxGradient(xs, ys, dy);
    },
  };
}) as (x: tf.Tensor4D) => tf.Tensor4D;

/** The gradient's kernel on the CPU and wasm backends: inputs x, y, dy; output dx shaped as x. */
export const FIRST_MAX_POOL_GRAD = 'StudioFirstMaxPoolGrad';

/**
 * The definition: dx for y = maxPool2x2(x), NHWC, in each window dy goes to the first position
 * (row-major) with x == y, and every other position gets 0. `dx` is written whole.
 */
export function firstMaxGradientLoop(
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  [n, h, w, c]: readonly [number, number, number, number],
  dx: Float32Array,
): void {
  dx.fill(0);
  const ho = h / 2;
  const wo = w / 2;
  const down = w * c; // from a window's top row to its bottom row
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) {
        const p00 = ((b * h + 2 * i) * w + 2 * j) * c;
        const o = ((b * ho + i) * wo + j) * c;
        for (let k = 0; k < c; k++) {
          const m = y[o + k] as number;
          const p = p00 + k;
          const first =
            x[p] === m
              ? p
              : x[p + c] === m
                ? p + c
                : x[p + down] === m
                  ? p + down
                  : x[p + down + c] === m
                    ? p + down + c
                    : -1;
          if (first >= 0) dx[first] = dy[o + k] as number;
        }
      }
    }
  }
}

type Shape4 = [number, number, number, number];

function firstMaxPoolGradCpu({
  inputs,
  backend,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.MathBackendCPU;
}) {
  const { x, y, dy } = inputs as { x: tf.TensorInfo; y: tf.TensorInfo; dy: tf.TensorInfo };
  const read = (t: tf.TensorInfo) => backend.data.get(t.dataId).values as Float32Array;
  const dx = new Float32Array(tf.util.sizeFromShape(x.shape));
  firstMaxGradientLoop(read(x), read(y), read(dy), x.shape as Shape4, dx);
  return backend.makeTensorInfo(x.shape, 'float32', dx);
}

/** The wasm twin, over views of the heap; the output is allocated first (an allocation may move the heap). */
function firstMaxPoolGradWasm({ inputs, backend }: { inputs: tf.NamedTensorInfoMap; backend: BackendWasm }) {
  const { x, y, dy } = inputs as { x: tf.TensorInfo; y: tf.TensorInfo; dy: tf.TensorInfo };
  const out = backend.makeOutput(x.shape, 'float32');
  const view = (t: tf.TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
  firstMaxGradientLoop(view(x), view(y), view(dy), x.shape as Shape4, view(out));
  return out;
}

registerKernels('cpu', { [FIRST_MAX_POOL_GRAD]: firstMaxPoolGradCpu });

/** Registers the gradient's wasm kernel (once per process; call after the wasm backend started). */
export function registerWasmMaxPoolKernel(): void {
  registerKernels('wasm', { [FIRST_MAX_POOL_GRAD]: firstMaxPoolGradWasm });
}

/**
 * dx for y = maxPool2x2(x), as firstMaxGradientLoop defines it: one kernel where the backend has
 * it, else tfjs ops, f_p = [x_p == y] · Π_{q<p} [x_q != y].
 */
function firstMaxGradient(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  if (hasKernel(FIRST_MAX_POOL_GRAD)) {
    return tf.engine().runKernel<tf.Tensor4D>(FIRST_MAX_POOL_GRAD, { x, y, dy });
  }
  return firstMaxGradientOps(x, y, dy);
}

/** firstMaxGradient as tfjs ops, for the backends without the kernel (WebGL, WebGPU's tfjs path). */
export function firstMaxGradientOps(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const rows = n * (h / 2);
    // [N·H/2, 2 (window row), W/2, 2·C (window column, then channel)]: the four window positions
    // are plain 4-D slices, which every backend supports.
    const x4 = tf.reshape(x, [rows, 2, w / 2, 2 * c]);
    const y4 = tf.reshape(y, [rows, 1, w / 2, c]);
    const dy4 = tf.reshape(dy, [rows, 1, w / 2, c]);
    const at = (r: number, col: number) =>
      tf.cast(tf.equal(tf.slice(x4, [0, r, 0, col * c], [rows, 1, w / 2, c]), y4), 'float32');
    const e = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)];
    const pieces: tf.Tensor4D[] = [];
    let none: tf.Tensor4D | null = null; // 1 where no earlier position held the maximum
    for (const ep of e) {
      const first = none ? tf.mul<tf.Tensor4D>(ep, none) : ep;
      pieces.push(tf.mul<tf.Tensor4D>(first, dy4));
      const notThis = tf.sub<tf.Tensor4D>(1, ep);
      none = none ? tf.mul<tf.Tensor4D>(none, notThis) : notThis;
    }
    const [p00, p01, p10, p11] = pieces as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const dx = tf.concat([tf.concat([p00, p01], 3), tf.concat([p10, p11], 3)], 1);
    return tf.reshape(dx, [n, h, w, c]);
  });
}
