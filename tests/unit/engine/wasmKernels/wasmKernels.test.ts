// The studio's wasm SIMD kernels (src/engine/wasmKernels/kernels.wat) as the batch-norm families
// use them on wasm: the convolutions and their two gradients against tfjs's CPU backend (its own
// conv, transposed conv and filter gradient), on shapes that reach every branch (Winograd for the
// 3×3 convs at stride 1 with odd and even sides, a row's pixels
// not a multiple of four, stride 2, 1×1, bias or none, three input channels); the batch norm's
// forward and backward passes bit for bit against batchNorm.ts's loops, which the CPU backend
// runs; and binary.ts against the text it is assembled from.

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  batchNormGradLoop,
  batchNormTrainLoop,
  batchNormTrain,
} from '../../../../src/engine/model/batchNorm';
import { conv2d } from '../../../../src/engine/model/conv';
import { studioWasmConv } from '../../../../src/engine/model/wasmConv';
import { Rng } from '../../../../src/engine/util/rng';
import { wasmConvKernels, wasmKernels } from '../../../../src/engine/wasmKernels';
import type { ConvLayer } from '../../../../src/protocol/network';
import { PLAIN_MEMORY_KERNELS, SHARED_MEMORY_KERNELS } from '../../../../src/engine/wasmKernels/binary';
import { assembleKernels } from '../../../support/assembleKernels';

type Shape4 = [number, number, number, number];

const normal = (rng: Rng, size: number) => Float32Array.from({ length: size }, () => rng.normal());

interface ConvCase {
  n: number;
  side: number;
  c: number;
  o: number;
  kernel: 1 | 3;
  stride: 1 | 2;
  bias: boolean;
}

const layerOf = ({ c, o, kernel, stride, bias, side }: ConvCase): ConvLayer => ({
  kind: 'conv',
  name: 'conv',
  simplexName: 'conv',
  inChannels: c,
  outChannels: o,
  kernel,
  stride,
  padding: kernel === 3 ? 1 : 0,
  bias,
  outputSide: Math.floor((side + 2 * (kernel === 3 ? 1 : 0) - kernel) / stride) + 1,
});

/** y, ∂(Σ y·dy)/∂x, ∂/∂filter and ∂/∂bias on the current backend, by `run`. */
function convPasses(
  data: { x: Float32Array; filter: Float32Array; bias: Float32Array; dy: Float32Array },
  shape: { x: Shape4; filter: Shape4; y: Shape4 },
  run: (x: tf.Tensor4D, f: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor4D,
): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(data.x, shape.x);
    const f = tf.tensor4d(data.filter, shape.filter);
    const b = tf.tensor1d(data.bias);
    const dy = tf.tensor4d(data.dy, shape.y);
    const y = run(x, f, b);
    const grads = tf.grads((xs: tf.Tensor, fs: tf.Tensor, bs: tf.Tensor) =>
      tf.sum(tf.mul(run(xs as tf.Tensor4D, fs as tf.Tensor4D, bs as tf.Tensor1D), dy)),
    )([x, f, b]);
    return [y, ...grads].map((t) => t.dataSync() as Float32Array);
  });
}

function expectNear(actual: Float32Array, expected: Float32Array, what: string) {
  expect(actual.length, what).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < actual.length; i++)
    worst = Math.max(worst, Math.abs((actual[i] as number) - (expected[i] as number)));
  expect(worst, `${what}: max |diff| ${worst} against scale ${scale}`).toBeLessThanOrEqual(2e-6 * scale);
}

describe('the wasm kernels', () => {
  it('are loaded on the unit tests’ wasm backend, and the convolutions use them (one XNNPACK thread)', () => {
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmKernels()).not.toBeNull();
    expect(wasmConvKernels()).not.toBeNull();
  });

  it('binary.ts holds exactly what kernels.wat assembles to (npm run -s kernels)', async () => {
    const { plain, shared } = await assembleKernels();
    expect(PLAIN_MEMORY_KERNELS).toBe(Buffer.from(plain).toString('base64'));
    expect(SHARED_MEMORY_KERNELS).toBe(Buffer.from(shared).toString('base64'));
  });

  it('the shared-memory build (tfjs-wasm with threads) runs in a shared memory as the plain one in its own', async () => {
    const run = async (base64: string, memory: WebAssembly.Memory) => {
      const { instance } = await WebAssembly.instantiate(Buffer.from(base64, 'base64'), { env: { memory } });
      const heap = new Float32Array(memory.buffer);
      heap.set([1, -2, 3, -4], 0); // dy
      heap.set([0.5, 0.5, -1, 0], 4); // y: the mask keeps the first two
      (instance.exports.reluMask as (dy: number, y: number, g: number, count: number) => void)(0, 16, 32, 4);
      return Array.from(heap.subarray(8, 12));
    };
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    expect(await run(SHARED_MEMORY_KERNELS, shared)).toEqual([1, -2, 0, 0]);
    expect(await run(PLAIN_MEMORY_KERNELS, new WebAssembly.Memory({ initial: 1 }))).toEqual([1, -2, 0, 0]);
  });

  const cases: ConvCase[] = [
    { n: 2, side: 7, c: 8, o: 16, kernel: 3, stride: 1, bias: true },
    { n: 3, side: 6, c: 16, o: 8, kernel: 3, stride: 1, bias: false },
    { n: 2, side: 9, c: 8, o: 16, kernel: 3, stride: 2, bias: false },
    { n: 2, side: 8, c: 16, o: 32, kernel: 1, stride: 2, bias: false },
    { n: 1, side: 5, c: 24, o: 8, kernel: 1, stride: 1, bias: true },
    { n: 2, side: 10, c: 8, o: 8, kernel: 3, stride: 2, bias: true },
    { n: 2, side: 6, c: 3, o: 16, kernel: 3, stride: 1, bias: true },
  ];
  it.each(cases)('conv, input and filter gradients match tfjs’s CPU backend: %o', async (cs) => {
    const layer = layerOf(cs);
    const ho = layer.outputSide;
    const shape = {
      x: [cs.n, cs.side, cs.side, cs.c] as Shape4,
      filter: [cs.kernel, cs.kernel, cs.c, cs.o] as Shape4,
      y: [cs.n, ho, ho, cs.o] as Shape4,
    };
    const rng = new Rng(cs.side * 31 + cs.c);
    const data = {
      x: normal(rng, cs.n * cs.side * cs.side * cs.c),
      filter: normal(rng, cs.kernel * cs.kernel * cs.c * cs.o),
      bias: normal(rng, cs.o),
      dy: normal(rng, cs.n * ho * ho * cs.o),
    };
    expect(studioWasmConv(cs.c, cs.o)).toEqual({ forward: true, input: cs.c % 8 === 0, filter: true });
    // Without a bias, b joins at zero weight (so its gradient exists, all zeros).
    const studio = convPasses(data, shape, (x, f, b) =>
      cs.bias ? conv2d(x, f, b, layer) : tf.add(conv2d(x, f, null, layer), tf.mul(b, 0)),
    );
    await tf.setBackend('cpu');
    try {
      const pad = layer.padding;
      const reference = convPasses(data, shape, (x, f, b) => {
        const y = tf.conv2d(x, f, cs.stride, [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ]);
        return cs.bias ? tf.add(y, b) : tf.add(y, tf.mul(b, 0));
      });
      ['y', 'dx', 'dfilter', 'dbias'].forEach((what, i) => {
        expectNear(studio[i] as Float32Array, reference[i] as Float32Array, what);
      });
    } finally {
      await tf.setBackend('wasm');
    }
  });

  it('leaves to XNNPACK what the kernels’ blocks do not fit: the first conv’s input gradient, 12 outputs', () => {
    expect(studioWasmConv(3, 16)).toEqual({ forward: true, input: false, filter: true });
    expect(studioWasmConv(16, 12)).toEqual({ forward: false, input: true, filter: false });
  });
});

describe('the wasm batch norm', () => {
  // c = 12: three blocks of four; m = 2·3·5 rows. Values offset from zero so the variance's two
  // passes matter, and dy with a ReLU mask that drops about half.
  const [n, h, w, c] = [2, 3, 5, 12];
  const m = n * h * w;
  const rng = new Rng(7);
  const x = normal(rng, m * c).map((v, i) => 3 + 2 * v + (i % c));
  const gamma = normal(rng, c);
  const beta = normal(rng, c);
  const dy = normal(rng, m * c);

  it.each([true, false])('forward and backward equal the loops bit for bit (relu %s)', (relu) => {
    const y = new Float32Array(m * c);
    const mean = new Float32Array(c);
    const variance = new Float32Array(c);
    batchNormTrainLoop(x, gamma, beta, [m, c], relu, y, mean, variance);
    const dx = new Float32Array(m * c);
    const dGamma = new Float32Array(c);
    const dBeta = new Float32Array(c);
    batchNormGradLoop(dy, x, y, gamma, mean, variance, [m, c], relu, dx, dGamma, dBeta);

    const [simdY, simdMean, simdVar, simdDx, simdDGamma, simdDBeta] = tf.tidy(() => {
      const xs = tf.tensor4d(x, [n, h, w, c]);
      const g = tf.tensor1d(gamma);
      const b = tf.tensor1d(beta);
      const out = batchNormTrain(xs, g, b, relu);
      const grads = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(
          tf.mul(
            batchNormTrain(a as tf.Tensor4D, gg as tf.Tensor1D, bb as tf.Tensor1D, relu).y,
            tf.tensor4d(dy, [n, h, w, c]),
          ),
        ),
      )([xs, g, b]);
      return [out.y, out.moments.mean, out.moments.variance, ...grads].map(
        (t) => t.dataSync() as Float32Array,
      );
    });
    expect(Array.from(simdY as Float32Array)).toEqual(Array.from(y));
    expect(Array.from(simdMean as Float32Array)).toEqual(Array.from(mean));
    expect(Array.from(simdVar as Float32Array)).toEqual(Array.from(variance));
    expect(Array.from(simdDx as Float32Array)).toEqual(Array.from(dx));
    expect(Array.from(simdDGamma as Float32Array)).toEqual(Array.from(dGamma));
    expect(Array.from(simdDBeta as Float32Array)).toEqual(Array.from(dBeta));
  });
});
