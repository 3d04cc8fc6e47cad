// conv 3×3 (stride 1, padding 1) + bias + ReLU, the VGG's only conv. The forward pass is the
// backend's fused conv+bias+ReLU kernel everywhere, training included (STUDIO_CONV below); the
// backward pass is chosen per backend, by measurement:
// - CPU: the studio's gradients. tfjs 4.22's Conv2DBackpropFilter is a per-weight loop there,
//   ~20× slower than ∂L/∂W as nine matrix products W[i,j] = x_shift(i,j)ᵀ · dz (filterGradient).
// - WebGPU on a GPU: the studio's too. tfjs's filter gradient runs one thread per weight over
//   batch × height × width; on an H100 it took 97 of a SPRO step's 105 GPU ms at width 1/8, the
//   nine matrix products 8 (training 2.2× faster at width 1/8, 1.6× at width 1).
// - WebGL: the studio's too. tfjs's filter gradient there is the same per-weight loop; on
//   SwiftShader's GL, training ran 1.3× faster with the nine products.
// - WebGPU on a software adapter (SwiftShader): tfjs's own kernels, which measured about 2×
//   faster there. The worker also switches tfjs's transposed conv to its tiled matMul version
//   (WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE off). `npm run bench -- --profile` prints both
//   breakdowns; the README has the numbers.
// - wasm: the studio's, always: tfjs-wasm 4.22 has no Conv2DBackpropFilter at all, so a request
//   for tfjs's kernels (?conv=tfjs, the benchmark's naive baseline) gets the studio's there. Both
//   gradients are convolutions there, which XNNPACK runs fast: the filter gradient one conv of
//   the transposed input with dz as its filter (4–13× faster than the nine products, whose
//   slices and transposed products are slow on wasm), the input gradient one conv with the
//   flipped filter (1.5–7× faster than tfjs-wasm's Conv2DBackpropInput at 8×8 maps and up). The
//   layouts those convs read, the ReLU mask and the bias gradient are loops over the heap
//   (convGradientKernels.ts): as tfjs ops they were ~11 kernels a layer, and tfjs's work per
//   kernel, not the arithmetic, was most of a small batch's step.

import * as tf from '@tensorflow/tfjs';
import { hasKernel, registerKernels } from '../util/kernels';
import { FLIP_FILTER, PAD_TRANSPOSE, RELU_BACKWARD } from './convGradientKernels';

export type ConvGradients = 'studio' | 'tfjs';
let forced: ConvGradients | null = null;
let onWebGpu: ConvGradients = 'studio';

/** Forces one backward pass (?conv=, and the benchmark compares them); null restores the per-backend choice. */
export function useConvGradients(choice: ConvGradients | null): void {
  forced = choice;
}

/** The forced choice, if any (so a temporary one can be undone). */
export function forcedConvGradients(): ConvGradients | null {
  return forced;
}

/** The choice on WebGPU, made when the backend starts: tfjs's kernels on a software adapter. */
export function chooseWebGpuConvGradients(softwareAdapter: boolean): void {
  onWebGpu = softwareAdapter ? 'tfjs' : 'studio';
}

export function activeConvGradients(): ConvGradients {
  if (!tfjsHasFilterGradient()) return 'studio';
  if (forced) return forced;
  const backend = tf.getBackend();
  return backend === 'webgpu' ? onWebGpu : 'studio';
}

/** Whether the current backend has tfjs's own filter gradient (tfjs-wasm has none). */
function tfjsHasFilterGradient(): boolean {
  return hasKernel(tf.Conv2DBackpropFilter);
}

export function conv3x3Relu(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor,
  gradients: ConvGradients = activeConvGradients(),
): tf.Tensor4D {
  if (gradients === 'tfjs' && tfjsHasFilterGradient()) {
    return tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' });
  }
  return studioConv3x3Relu(x, filter, bias);
}

/**
 * The studio's op: the backend's own FusedConv2D kernel (conv, bias and ReLU in one pass) under a
 * name of its own, whose gradient is registered below. tf.fused.conv2d under a gradient tape falls
 * back to conv2d, a broadcast add and a ReLU: three kernels and two more passes over the map (on
 * wasm the broadcast add alone cost about a tenth of a step).
 */
export const STUDIO_CONV = 'StudioConv3x3Relu';
const FUSED_ATTRS = {
  strides: [1, 1],
  pad: 'same',
  dataFormat: 'NHWC',
  dilations: [1, 1],
  activation: 'relu',
};

function studioConv3x3Relu(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor): tf.Tensor4D {
  const backendName = tf.getBackend();
  if (!hasKernel(STUDIO_CONV, backendName)) {
    registerKernels(backendName, {
      // Looked up at each call: the wasm start-up wraps FusedConv2D (wasm.ts) after tfjs registers it.
      [STUDIO_CONV]: (args: Parameters<tf.KernelFunc>[0]) =>
        tf.getKernel(tf.FusedConv2D, backendName).kernelFunc({ ...args, attrs: FUSED_ATTRS }),
    });
  }
  return tf.engine().runKernel<tf.Tensor4D>(STUDIO_CONV, { x, filter, bias });
}

// Each input's gradient is a function the tape calls only for the inputs it needs: the first
// layer's input gradient (the images) is never computed.
tf.registerGradient({
  kernelName: STUDIO_CONV,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved) => {
    const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const dy4 = dy as tf.Tensor4D;
    if (tf.getBackend() === 'wasm') {
      const [dz, dzHwnc, db] = tf.engine().runKernel(RELU_BACKWARD, { dy: dy4, y }) as unknown as [
        tf.Tensor4D,
        tf.Tensor4D,
        tf.Tensor1D,
      ];
      return {
        x: () => inputGradientAsConv(dz, filter),
        filter: () => filterGradientAsConv(x, dzHwnc),
        bias: () => db,
      };
    }
    const dz = tf.mul<tf.Tensor4D>(dy4, tf.step(y));
    return {
      x: () => tf.conv2dTranspose(dz, filter, x.shape, 1, 'same'),
      filter: () => filterGradient(x, dz),
      bias: () => tf.sum(dz, [0, 1, 2]),
    };
  },
});

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

/**
 * filterGradient as one convolution (wasm): with x_pad as C images [H+2, W+2] of N channels and dz
 * ([H, W, N, O], as the ReLU's backward kernel lays it out) as a [H, W] filter from N channels to
 * O, a valid conv gives [C, 3, 3, O] = ∂L/∂W transposed.
 */
export function filterGradientAsConv(x: tf.Tensor4D, dzHwnc: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const images = tf.engine().runKernel<tf.Tensor4D>(PAD_TRANSPOSE, { x });
    return tf.transpose<tf.Tensor4D>(tf.conv2d(images, dzHwnc, 1, 'valid'), [1, 2, 0, 3]);
  });
}

/** ∂L/∂x = dz convolved ('same') with the filter flipped in space and its in/out swapped (wasm). */
export function inputGradientAsConv(dz: tf.Tensor4D, filter: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(dz, tf.engine().runKernel<tf.Tensor4D>(FLIP_FILTER, { filter }), 1, 'same'));
}
