// The batch-norm families' convolutions (conv.ts) on wasm with the studio's SIMD kernels
// (wasmKernels/kernels.wat), where they run (wasmConvKernels) and the channels fit their blocks:
// - forward: the input padded into scratch, then one conv; output channels a multiple of 8. A 3×3
//   conv at stride 1 (all but PreResNet's first and its two strided ones) by Winograd's
//   F(2×2, 3×3) where its input channels are a multiple of 4: 16 products per output pair of
//   pixels and channels where the direct sum takes 36 (1.5× faster here, with the transforms);
// - input gradient: at stride 1, dz padded by k − 1 − p and conv'd with the flipped filter; at
//   stride 2, dz times each tap added where the tap reads (convTranspose: spreading dz for a
//   conv multiplied three zeros for each value); the layer's input channels a multiple of 8;
// - filter gradient: the input padded (its channels to a multiple of 4: the first layer's three),
//   then the kernel's per-image sums; output channels a multiple of 8. Winograd too where the
//   forward pass is: the transformed filter's gradient summed over the tiles, then G^T dU G.
// Elsewhere conv.ts keeps XNNPACK's convolutions.

import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerKernels } from '../util/kernels';
import { wasmConvKernels, type WasmKernels } from '../wasmKernels';
import { flipFilterLoop } from './convGradientKernels';

export const WASM_CONV = 'StudioWasmConv';
export const WASM_CONV_INPUT_GRAD = 'StudioWasmConvInputGrad';
export const WASM_CONV_FILTER_GRAD = 'StudioWasmConvFilterGrad';

type Shape4 = [number, number, number, number];

/** Whether the studio's kernels run a conv from c to o channels now, and which of its passes. */
export function studioWasmConv(c: number, o: number): { forward: boolean; input: boolean; filter: boolean } {
  const ready = tf.getBackend() === 'wasm' && wasmConvKernels() !== null;
  return {
    forward: ready && o % 8 === 0,
    input: ready && c % 8 === 0,
    filter: ready && o % 8 === 0,
  };
}

interface Args {
  inputs: tf.NamedTensorInfoMap;
  attrs?: tf.NamedAttrMap;
  backend: BackendWasm;
}

const kernels = (): WasmKernels => {
  const loaded = wasmConvKernels();
  if (!loaded) throw new Error('the studio wasm conv kernels are not loaded');
  return loaded;
};

/**
 * `x` zero-padded by `p` on every side, its channels to `cp`, into scratch, then `use(at)` (x
 * itself where there is nothing to add).
 */
function padded<T>(
  k: WasmKernels,
  x: tf.TensorInfo,
  p: number,
  use: (at: number) => T,
  cp = x.shape[3] as number,
): T {
  const [n, h, w, c] = x.shape as Shape4;
  if (p === 0 && cp === c) return use(k.at(x));
  const hp = h + 2 * p;
  const wp = w + 2 * p;
  return k.withScratch(n * hp * wp * cp, (at) => {
    k.run.spread(k.at(x), at, n, h, w, c, cp, 1, p, hp, wp);
    return use(at);
  });
}

/** Whether conv3x3 below takes the Winograd path for c input and o output channels. */
const winogradFits = (c: number, o: number) => c % 4 === 0 && o % 8 === 0;

/**
 * `x` [n, h, w, c] padded by `before` on the top and left as Winograd reads it (whole 4×4 patches:
 * 2·⌈ho/2⌉ + 2 rows and 2·⌈wo/2⌉ + 2 columns) for an [ho, wo, o] output, and the scratch its
 * kernels take: u [16, c, o] and per image v [16, tiles, c] and m [16, tiles, o], their planes
 * 16 floats apart (kernels.wat says why).
 */
function withWinograd(
  k: WasmKernels,
  x: tf.TensorInfo,
  before: number,
  [ho, wo, o]: [number, number, number],
  use: (xp: number, hp: number, wp: number, u: number, v: number, m: number) => void,
): void {
  const [n, h, w, c] = x.shape as Shape4;
  const [th, tw] = [Math.ceil(ho / 2), Math.ceil(wo / 2)];
  const [hp, wp] = [2 * th + 2, 2 * tw + 2];
  k.withScratch(n * hp * wp * c, (xp) => {
    k.run.spread(k.at(x), xp, n, h, w, c, c, 1, before, hp, wp);
    const tiles = th * tw;
    k.withScratch(16 * c * o + 16 * (tiles * (c + o) + 32), (u) => {
      const v = u + 4 * 16 * c * o;
      use(xp, hp, wp, u, v, v + 16 * (4 * tiles * c + 64));
    });
  });
}

/**
 * out [n, ho, wo, o] = the 3×3 conv at stride 1 of `x` [n, h, w, c] zero-padded by `before` on every
 * side, with the filter at `filterAt` ([3, 3, c, o]), + bias where `bias` is not 0: Winograd where
 * it fits, else the direct conv.
 */
function conv3x3(
  k: WasmKernels,
  x: tf.TensorInfo,
  before: number,
  filterAt: number,
  bias: number,
  out: number,
  [ho, wo, o]: [number, number, number],
): void {
  const [n, , , c] = x.shape as Shape4;
  if (!winogradFits(c, o)) {
    padded(k, x, before, (xp) => {
      k.run.conv(xp, filterAt, bias, out, n, ho + 2, wo + 2, c, ho, wo, o, 3, 1);
    });
    return;
  }
  withWinograd(k, x, before, [ho, wo, o], (xp, hp, wp, u, v, m) => {
    k.run.winogradFilter(filterAt, u, c, o);
    k.run.winogradConv(xp, u, bias, out, n, hp, wp, c, ho, wo, o, v, m);
  });
}

/** attrs: stride, padding. */
function convForward({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const { x, filter, bias } = inputs as Record<'x' | 'filter' | 'bias', tf.TensorInfo | undefined> & {
    x: tf.TensorInfo;
    filter: tf.TensorInfo;
  };
  const { stride, padding } = attrs as { stride: number; padding: number };
  const [n, h, w, c] = x.shape as Shape4;
  const [kh, , , o] = filter.shape as Shape4;
  const [hp, wp] = [h + 2 * padding, w + 2 * padding];
  const ho = Math.floor((hp - kh) / stride) + 1;
  const wo = Math.floor((wp - kh) / stride) + 1;
  const out = backend.makeOutput([n, ho, wo, o], 'float32');
  const k = kernels();
  const b = bias ? k.at(bias) : 0;
  if (kh === 3 && stride === 1) {
    conv3x3(k, x, padding, k.at(filter), b, k.at(out), [ho, wo, o]);
    return out;
  }
  padded(k, x, padding, (xp) => {
    k.run.conv(xp, k.at(filter), b, k.at(out), n, hp, wp, c, ho, wo, o, kh, stride);
  });
  return out;
}

/** attrs: stride, padding, and the layer input's height and width. */
function convInputGrad({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const { dz, filter } = inputs as Record<'dz' | 'filter', tf.TensorInfo>;
  const { stride, padding, height, width } = attrs as Record<
    'stride' | 'padding' | 'height' | 'width',
    number
  >;
  const [n, ho, wo, o] = dz.shape as Shape4;
  const [kh, kw, c] = filter.shape as Shape4;
  const out = backend.makeOutput([n, height, width, c], 'float32');
  const k = kernels();
  k.withScratch(kh * kw * o * c, (flipped) => {
    flipFilterLoop(k.f32(k.at(filter), kh * kw * c * o), [kh, kw, c, o], k.f32(flipped, kh * kw * o * c));
    if (stride === 1 && kh === 3) {
      conv3x3(k, dz, kh - 1 - padding, flipped, 0, k.at(out), [height, width, c]);
      return;
    }
    if (stride === 1) {
      // dz padded by k − 1 − p on every side (1×1: dz itself).
      padded(k, dz, kh - 1 - padding, (spread) => {
        k.run.conv(
          spread,
          flipped,
          0,
          k.at(out),
          n,
          height + kh - 1,
          width + kw - 1,
          o,
          height,
          width,
          c,
          kh,
          1,
        );
      });
      return;
    }
    const [hp, wp] = [height + 2 * padding, width + 2 * padding];
    const transpose = (dxp: number) => {
      k.run.convTranspose(k.at(dz), flipped, dxp, n, ho, wo, o, hp, wp, c, kh, stride);
    };
    if (padding === 0) {
      transpose(k.at(out));
      return;
    }
    k.withScratch(n * hp * wp * c, (dxp) => {
      transpose(dxp);
      k.run.crop(dxp, k.at(out), n, height, width, c, padding);
    });
  });
  return out;
}

/** attrs: k, stride, padding. */
function convFilterGrad({ inputs, attrs, backend }: Args): tf.TensorInfo {
  const { x, dz } = inputs as Record<'x' | 'dz', tf.TensorInfo>;
  const { k: size, stride, padding } = attrs as Record<'k' | 'stride' | 'padding', number>;
  const [n, h, w, c] = x.shape as Shape4;
  const [, ho, wo, o] = dz.shape as Shape4;
  const out = backend.makeOutput([size, size, c, o], 'float32');
  const k = kernels();
  if (size === 3 && stride === 1 && winogradFits(c, o)) {
    withWinograd(k, x, padding, [ho, wo, o], (xp, hp, wp, du, v, m) => {
      k.run.winogradFilterGrad(xp, k.at(dz), du, k.at(out), n, hp, wp, c, ho, wo, o, v, m);
    });
    return out;
  }
  const [hp, wp] = [h + 2 * padding, w + 2 * padding];
  if (c % 4 === 0) {
    padded(k, x, padding, (xp) => {
      k.run.filterGrad(xp, k.at(dz), k.at(out), n, hp, wp, c, ho, wo, o, size, stride, 1);
    });
    return out;
  }
  // The channels padded with zeros to a multiple of 4; the padding's gradient is dropped.
  const cp = Math.ceil(c / 4) * 4;
  const summed = (xp: number) => {
    k.withScratch(size * size * cp * o, (dw) => {
      k.run.filterGrad(xp, k.at(dz), dw, n, hp, wp, cp, ho, wo, o, size, stride, 1);
      const taps = k.f32(k.at(out), size * size * c * o);
      for (let tap = 0; tap < size * size; tap++) taps.set(k.f32(dw + 4 * tap * cp * o, c * o), tap * c * o);
    });
  };
  padded(k, x, padding, summed, cp);
  return out;
}

/** Registers the three kernels for the wasm backend (once per process; after it started). */
export function registerWasmConvPasses(): void {
  registerKernels('wasm', {
    [WASM_CONV]: convForward,
    [WASM_CONV_INPUT_GRAD]: convInputGrad,
    [WASM_CONV_FILTER_GRAD]: convFilterGrad,
  });
}
