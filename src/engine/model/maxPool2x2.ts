// Max-pool 2×2, stride 2, whose gradient goes to the FIRST maximum of each window in row-major
// order ((0,0), (0,1), (1,0), (1,1)), as PyTorch's max_pool2d does. tfjs's backends route a tied
// window's gradient elsewhere (the CPU backend to another position), and ties are common: zero
// padding of random crops and ReLU zeros make constant windows. Routing them alike on every backend
// keeps runs on CPU, WebGL, WebGPU and the compiled step on the same trajectory. Plain tfjs ops
// (slices, comparisons, concats), so every backend runs it; the compiled step's WGSL twin is
// src/worker/compiled/kernels/pool.ts.

import * as tf from '@tensorflow/tfjs';
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

/**
 * dx for y = maxPool2x2(x): in each window dy goes to the first position p (row-major) with
 * x[p] == y, i.e. f_p = [x_p == y] · Π_{q<p} [x_q != y]; every other position gets 0.
 */
function firstMaxGradient(x: tf.Tensor4D, y: tf.Tensor4D, dy: tf.Tensor4D): tf.Tensor4D {
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
