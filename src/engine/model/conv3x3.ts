// conv 3×3 (stride 1, padding 1) + bias + ReLU, the VGG's only conv, with the studio's own
// gradient. tfjs 4.22's filter-gradient kernels are per-weight loops over batch × height × width
// (Conv2DBackpropFilter: ~100× slower than the forward pass on the CPU backend; one thread per
// weight on WebGPU, so a few hundred threads each summing ~10⁵ products). Here:
// - ∂L/∂x is a transposed conv (on WebGPU the tiled matrix-multiply version; the worker turns off
//   WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE);
// - ∂L/∂W is a matrix product per kernel tap: W[i,j] = x_shift(i,j)ᵀ · dz over the N·H·W rows,
//   which tfjs runs as a split-K matmul on WebGPU and as a blocked matmul on the CPU.
// The forward pass is tfjs's fused conv+bias+ReLU. 'tfjs' gradients remain selectable so the
// benchmark can show the difference.

import * as tf from '@tensorflow/tfjs';

export type ConvGradients = 'studio' | 'tfjs';
let gradients: ConvGradients = 'studio';

/** Which backward pass conv3x3Relu uses from now on (the benchmark compares the two). */
export function useConvGradients(choice: ConvGradients): void {
  gradients = choice;
}

export function conv3x3Relu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor): tf.Tensor4D {
  if (gradients === 'tfjs')
    return tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' });
  return studioConv3x3Relu(x, filter, bias);
}

const studioConv3x3Relu = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, filter, bias, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor, tf.GradSaveFunc];
  const y = tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' });
  save([x, filter, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [sx, sf, sy] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const dz = tf.mul<tf.Tensor4D>(dy, tf.step(sy));
      return [tf.conv2dTranspose(dz, sf, sx.shape, 1, 'same'), filterGradient(sx, dz), tf.sum(dz, [0, 1, 2])];
    },
  };
}) as (x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor) => tf.Tensor4D;

/** ∂L/∂W[i,j,c,o] = Σ_{n,h,w} x_pad[n,h+i,w+j,c] · dz[n,h,w,o]: nine [C × NHW]·[NHW × O] products. */
export function filterGradient(x: tf.Tensor4D, dz: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const o = dz.shape[3];
    const padded = tf.pad(x, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    const rows = tf.reshape(dz, [n * h * w, o]);
    const taps: tf.Tensor2D[] = [];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const shifted = tf.reshape(tf.slice(padded, [0, i, j, 0], [n, h, w, c]), [n * h * w, c]);
        taps.push(tf.matMul(shifted, rows, true, false));
      }
    }
    return tf.reshape(tf.stack(taps), [3, 3, c, o]);
  });
}
