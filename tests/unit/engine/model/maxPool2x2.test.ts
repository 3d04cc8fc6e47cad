import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { firstMaxGradientOps, maxPool2x2 } from '../../../../src/engine/model/maxPool2x2';
import { Rng } from '../../../../src/engine/util/rng';

type Shape4 = [number, number, number, number];

interface TiesFixture {
  shape_nhwc: [number, number, number, number];
  x: number[];
  dy: number[];
  y: number[];
  dx: number[];
}

/** The definition: in each window, dy goes to the first maximum in row-major order. */
function firstMaxLoop(x: Float32Array, dy: Float32Array, [n, h, w, c]: Shape4) {
  const dx = new Float32Array(x.length);
  const at = (b: number, i: number, j: number, k: number) => ((b * h + i) * w + j) * c + k;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h / 2; i++)
      for (let j = 0; j < w / 2; j++)
        for (let k = 0; k < c; k++) {
          let best = at(b, 2 * i, 2 * j, k);
          for (const [di, dj] of [
            [0, 1],
            [1, 0],
            [1, 1],
          ] as const) {
            const p = at(b, 2 * i + di, 2 * j + dj, k);
            if ((x[p] as number) > (x[best] as number)) best = p;
          }
          dx[best] = dy[((b * (h / 2) + i) * (w / 2) + j) * c + k] as number;
        }
  return dx;
}

/** Values with −0 read as 0: a dropped position is 0 · dy, whose sign does not matter. */
function values(a: ArrayLike<number>): number[] {
  return Array.from(a, (v) => v + 0);
}

function tiedWindows(x: Float32Array, [n, h, w, c]: Shape4): number {
  let tied = 0;
  const at = (b: number, i: number, j: number, k: number) => x[((b * h + i) * w + j) * c + k] as number;
  for (let b = 0; b < n; b++)
    for (let i = 0; i < h; i += 2)
      for (let j = 0; j < w; j += 2)
        for (let k = 0; k < c; k++) {
          const v = [at(b, i, j, k), at(b, i, j + 1, k), at(b, i + 1, j, k), at(b, i + 1, j + 1, k)];
          const max = Math.max(...v);
          if (v.filter((u) => u === max).length > 1) tied++;
        }
  return tied;
}

function gradient(x: tf.Tensor4D, dy: tf.Tensor4D, pool: (x: tf.Tensor4D) => tf.Tensor4D) {
  return tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(pool(t as tf.Tensor4D), dy)))(x));
}

/** Random maps whose values come from a few levels, so most windows hold tied maxima. */
function tiedMap(rng: Rng, shape: Shape4): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: size }, () => [0, 0, 0.5, 1][rng.nextUint32() % 4] as number);
}

describe('maxPool2x2', () => {
  it("routes tied windows' gradients as PyTorch does (ties.json, made by make.py)", () => {
    const url = new URL('../../../fixtures/max-pool-ties/ties.json', import.meta.url);
    const f = JSON.parse(readFileSync(url, 'utf8')) as TiesFixture;
    const [n, h, w, c] = f.shape_nhwc;
    const x = tf.tensor4d(f.x, f.shape_nhwc);
    const dy = tf.tensor4d(f.dy, [n, h / 2, w / 2, c]);
    const y = maxPool2x2(x);
    expect(values(y.dataSync())).toEqual(values(Float32Array.from(f.y)));
    const dx = gradient(x, dy, maxPool2x2);
    expect(values(dx.dataSync())).toEqual(values(Float32Array.from(f.dx)));
    // The fixture does tell routings apart: a quarter of its windows hold their maximum twice or more.
    expect(tiedWindows(Float32Array.from(f.x), f.shape_nhwc)).toBeGreaterThanOrEqual(f.y.length / 4);
    tf.dispose([x, dy, y, dx]);
  });

  it('equals the plain-loop definition on maps full of ties, for several shapes', () => {
    const rng = new Rng(7);
    const shapes: Shape4[] = [
      [1, 2, 2, 1],
      [3, 4, 6, 5],
      [2, 8, 8, 16],
    ];
    for (const shape of shapes) {
      const [n, h, w, c] = shape;
      const xs = tiedMap(rng, shape);
      const dys = Float32Array.from({ length: (n * h * w * c) / 4 }, () => rng.nextUint32() / 2 ** 32 - 0.5);
      const x = tf.tensor4d(xs, shape);
      const dy = tf.tensor4d(dys, [n, h / 2, w / 2, c]);
      const dx = gradient(x, dy, maxPool2x2);
      expect(values(dx.dataSync())).toEqual(values(firstMaxLoop(xs, dys, shape)));
      tf.dispose([x, dy, dx]);
    }
  });

  it('gives the same gradient as its kernel on wasm and the CPU and as tfjs ops (the WebGL and WebGPU form)', async () => {
    const rng = new Rng(11);
    const shape: Shape4 = [3, 6, 4, 5];
    const [n, h, w, c] = shape;
    const xs = tiedMap(rng, shape);
    const dys = Float32Array.from({ length: (n * h * w * c) / 4 }, () => rng.nextUint32() / 2 ** 32 - 0.5);
    const expected = values(firstMaxLoop(xs, dys, shape));
    const started = tf.getBackend();
    try {
      for (const backend of ['wasm', 'cpu']) {
        await tf.setBackend(backend);
        const x = tf.tensor4d(xs, shape);
        const dy = tf.tensor4d(dys, [n, h / 2, w / 2, c]);
        const y = tf.maxPool(x, 2, 2, 'valid');
        const before = tf.memory().numTensors;
        const viaKernel = gradient(x, dy, maxPool2x2);
        const viaOps = firstMaxGradientOps(x, y, dy);
        expect(tf.memory().numTensors, backend).toBe(before + 2);
        expect(values(viaKernel.dataSync()), backend).toEqual(expected);
        expect(values(viaOps.dataSync()), backend).toEqual(expected);
        tf.dispose([x, dy, y, viaKernel, viaOps]);
      }
    } finally {
      await tf.setBackend(started);
    }
  });

  it('leaks no tensors and rejects odd maps', () => {
    const x = tf.ones<tf.Rank.R4>([1, 4, 4, 2]);
    const dy = tf.ones<tf.Rank.R4>([1, 2, 2, 2]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) gradient(x, dy, maxPool2x2).dispose();
    expect(tf.memory().numTensors).toBe(before);
    const odd = tf.ones<tf.Rank.R4>([1, 3, 4, 1]);
    expect(() => maxPool2x2(odd)).toThrow(/even map/);
    tf.dispose([x, dy, odd]);
  });
});
