// The convolutions of the batch-norm families: k×k (k = 1 or 3), stride 1 or 2, PyTorch's
// symmetric zero padding (1 for 3×3, 0 for 1×1), with or without bias, and no activation (a BN or
// the residual add follows). VGG without BN keeps its fused conv 3×3 + bias + ReLU (conv3x3.ts).
// PyTorch's padding is explicit here: tfjs's 'same' puts a stride-2 conv's one row of padding at
// the bottom only, which reads other pixels than PyTorch does.
//
// On wasm all three passes run on the studio's SIMD kernels where they apply (wasmConv.ts: 2.6×
// XNNPACK's one thread over a PreResNet-20 step); the rest of this header is what runs elsewhere.
// The forward pass is the backend's own conv kernel under the studio's name, so the backward pass
// is the studio's choice per backend, as for the VGG conv:
// - input gradient: the transposed conv (tfjs's Conv2DBackpropInput); on wasm one conv with the
//   flipped filter of dz spread out by the stride, which XNNPACK runs 3–4× faster;
// - filter gradient: on wasm (which has no Conv2DBackpropFilter) one conv of the padded input,
//   laid out [C, H, W, N], with dz as its filter dilated by the stride; elsewhere the nine (or
//   one) matrix products of conv3x3.ts's choice 'studio', or tfjs's kernel for 'tfjs'.

import * as tf from '@tensorflow/tfjs';
import type { ConvLayer } from '../../protocol/network';
import { hasKernel, registerKernels } from '../util/kernels';
import { activeConvGradients } from './conv3x3';
import { DILATE, FLIP_FILTER, PAD_TRANSPOSE } from './convGradientKernels';
import { studioWasmConv, WASM_CONV, WASM_CONV_FILTER_GRAD, WASM_CONV_INPUT_GRAD } from './wasmConv';

export const STUDIO_CONV2D = 'StudioConv2D';

interface ConvAttrs {
  stride: number;
  padding: number;
  [key: string]: number;
}

const explicitPad = (p: number): tf.backend_util.ExplicitPadding => [
  [0, 0],
  [p, p],
  [p, p],
  [0, 0],
];

/** y = conv(x, filter) (+ bias) as `layer` says; NHWC x, HWIO filter. */
export function conv2d(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  layer: ConvLayer,
): tf.Tensor4D {
  const backendName = tf.getBackend();
  if (!hasKernel(STUDIO_CONV2D, backendName)) {
    registerKernels(backendName, {
      [STUDIO_CONV2D]: ({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]) => {
        const [, , c, o] = (inputs.filter as tf.TensorInfo).shape;
        if (studioWasmConv(c as number, o as number).forward) {
          return tf.getKernel(WASM_CONV, backendName).kernelFunc({ inputs, attrs, backend });
        }
        const { stride, padding } = attrs as ConvAttrs;
        const convAttrs = {
          strides: [stride, stride],
          pad: explicitPad(padding),
          dataFormat: 'NHWC',
          dilations: [1, 1],
        };
        // FusedConv2D adds the bias in the same pass; Conv2D where there is none.
        const kernel = inputs.bias ? tf.FusedConv2D : tf.Conv2D;
        return tf.getKernel(kernel, backendName).kernelFunc({
          inputs,
          backend,
          attrs: inputs.bias ? { ...convAttrs, activation: 'linear' } : convAttrs,
        });
      },
    });
  }
  const attrs: ConvAttrs = { stride: layer.stride, padding: layer.padding };
  const inputs: tf.NamedTensorMap = bias ? { x, filter, bias } : { x, filter };
  return tf.engine().runKernel<tf.Tensor4D>(STUDIO_CONV2D, inputs, attrs);
}

tf.registerGradient({
  kernelName: STUDIO_CONV2D,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const { stride, padding } = attrs as ConvAttrs;
    const dz = dy as tf.Tensor4D;
    return {
      x: () => inputGradient(dz, filter, x.shape, stride, padding),
      filter: () => filterGradient(x, dz, filter.shape[0], stride, padding),
      bias: () => tf.sum(dz, [0, 1, 2]),
    };
  },
});

/** ∂L/∂x of a conv with `filter` at `stride` and `padding`, for dz of its output. */
export function inputGradient(
  dz: tf.Tensor4D,
  filter: tf.Tensor4D,
  xShape: [number, number, number, number],
  stride: number,
  padding: number,
): tf.Tensor4D {
  const [k, , c, o] = filter.shape;
  if (studioWasmConv(c, o).input) {
    const attrs = { stride, padding, height: xShape[1], width: xShape[2] };
    return tf.engine().runKernel<tf.Tensor4D>(WASM_CONV_INPUT_GRAD, { dz, filter }, attrs);
  }
  if (tf.getBackend() === 'wasm') {
    // A stride-1 conv of dz (its values spread `stride` apart) with the flipped filter. Padding
    // k−1−p before, and after it the rows the forward pass's stride skipped at the end.
    return tf.tidy(() => {
      const spread = stride === 1 ? dz : tf.engine().runKernel<tf.Tensor4D>(DILATE, { dz }, { stride });
      const before = k - 1 - padding;
      const after = (h: number) => before + ((h + 2 * padding - k) % stride);
      const pad: tf.backend_util.ExplicitPadding = [
        [0, 0],
        [before, after(xShape[1])],
        [before, after(xShape[2])],
        [0, 0],
      ];
      return tf.conv2d(spread, tf.engine().runKernel<tf.Tensor4D>(FLIP_FILTER, { filter }), 1, pad);
    });
  }
  return tf.conv2dTranspose(dz, filter, xShape, stride, explicitPad(padding));
}

/**
 * ∂L/∂W[i,j,c,o] = Σ_{n,h,w} x_pad[n, s·h+i, s·w+j, c] · dz[n,h,w,o] for a k×k filter, stride s and
 * padding p, in HWIO.
 */
export function filterGradient(
  x: tf.Tensor4D,
  dz: tf.Tensor4D,
  k: number,
  stride: number,
  padding: number,
): tf.Tensor4D {
  if (studioWasmConv(x.shape[3], dz.shape[3]).filter) {
    return tf.engine().runKernel<tf.Tensor4D>(WASM_CONV_FILTER_GRAD, { x, dz }, { k, stride, padding });
  }
  if (tf.getBackend() === 'wasm') return filterGradientAsConv(x, dz, k, stride, padding);
  if (activeConvGradients() === 'tfjs') {
    return tf.engine().runKernel<tf.Tensor4D>(
      tf.Conv2DBackpropFilter,
      { x, dy: dz },
      {
        strides: [stride, stride],
        pad: explicitPad(padding),
        dataFormat: 'NHWC',
        dimRoundingMode: undefined as unknown as string,
        filterShape: [k, k, x.shape[3], dz.shape[3]],
      },
    );
  }
  return filterGradientProducts(x, dz, k, stride, padding);
}

/** The filter gradient as k² matrix products [C × NHW]·[NHW × O], one per tap of strided slices of x_pad. */
export function filterGradientProducts(
  x: tf.Tensor4D,
  dz: tf.Tensor4D,
  k: number,
  stride: number,
  padding: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, , , c] = x.shape;
    const [, ho, wo, o] = dz.shape;
    const padded = padding > 0 ? tf.pad(x, explicitPad(padding)) : x;
    const rows = tf.reshape(dz, [n * ho * wo, o]);
    const taps: tf.Tensor2D[] = [];
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const tap = tf.stridedSlice(
          padded,
          [0, i, j, 0],
          [n, i + stride * (ho - 1) + 1, j + stride * (wo - 1) + 1, c],
          [1, stride, stride, 1],
        );
        taps.push(tf.matMul(tf.reshape(tap, [n * ho * wo, c]), rows, true, false));
      }
    }
    return tf.reshape(tf.stack(taps), [k, k, c, o]);
  });
}

/**
 * The filter gradient as one convolution (wasm): x_pad as C images [H+2p, W+2p] of N channels
 * convolved ('valid') with dz as an [Ho, Wo] filter from N channels to O, dilated by the stride,
 * gives [C, ≥k, ≥k, O]; its first k×k taps are ∂L/∂W transposed.
 */
function filterGradientAsConv(
  x: tf.Tensor4D,
  dz: tf.Tensor4D,
  k: number,
  stride: number,
  padding: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    const c = x.shape[3];
    const o = dz.shape[3];
    const images = tf.engine().runKernel<tf.Tensor4D>(PAD_TRANSPOSE, { x }, { padding });
    const dzHwnc = tf.transpose<tf.Tensor4D>(dz, [1, 2, 0, 3]);
    const full = tf.conv2d(images, dzHwnc, 1, 'valid', 'NHWC', stride);
    const taps = full.shape[1] === k ? full : tf.slice(full, [0, 0, 0, 0], [c, k, k, o]);
    return tf.transpose<tf.Tensor4D>(taps, [1, 2, 0, 3]);
  });
}
