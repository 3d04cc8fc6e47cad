// conv 3×3 (stride 1, padding 1) + bias + ReLU, the VGG's only conv. On WebGPU (and any backend but
// the CPU) it is tfjs's fused op with its own gradient. The CPU backend's Conv2DBackpropFilter is
// a per-element loop, ~100× slower than the forward pass (8 s for one backward of the fixtures'
// width-1/8 VGG16 on 8 images), which makes Node tests and CLI training crawl; there the filter
// the filter gradient is computed as a forward conv instead (see filterGradient), same values.

import * as tf from '@tensorflow/tfjs';

export function conv3x3Relu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor): tf.Tensor4D {
  if (tf.getBackend() === 'cpu') return cpuConv3x3Relu(x, filter, bias);
  return tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' });
}

const cpuConv3x3Relu = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
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

/**
 * ∂L/∂W[i,j,c,o] = Σ_{n,h,w} x_pad[n,h+i,w+j,c] · dz[n,h,w,o], which is itself a 'valid' conv:
 * channels of x as the batch, the batch as input channels, dz as an H×W filter. The CPU forward
 * conv kernel is fast, unlike its filter-gradient kernel.
 */
function filterGradient(x: tf.Tensor4D, dz: tf.Tensor4D): tf.Tensor4D {
  const padded = tf.pad(x, [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
  const images = tf.transpose(padded, [3, 1, 2, 0]); // [C, H+2, W+2, N]
  const kernel = tf.transpose(dz, [1, 2, 0, 3]); // [H, W, N, O]
  return tf.transpose(tf.conv2d(images, kernel, 1, 'valid'), [1, 2, 0, 3]); // [C,3,3,O] → HWIO
}
