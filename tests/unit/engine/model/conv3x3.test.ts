import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../../../src/cli/backend';
import {
  conv3x3Relu,
  filterGradient,
  filterGradientAsConv,
  inputGradientAsConv,
} from '../../../../src/engine/model/conv3x3';
import {
  FLIP_FILTER,
  PAD_TRANSPOSE,
  RELU_BACKWARD,
  reluBackwardLoop,
} from '../../../../src/engine/model/convGradientKernels';
import { expectClose } from '../fixtures';

afterAll(async () => {
  await startNodeBackend('wasm');
});

/** Value and gradients of conv3x3Relu (the studio's backward pass) and of tfjs's plain conv ops. */
function convCase(studio: boolean): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal<tf.Rank.R4>([2, 6, 5, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 4], 0, 0.5, 'float32', 2);
    const b = tf.randomNormal([4], 0, 0.5, 'float32', 3);
    const probe = tf.randomNormal([2, 6, 5, 4], 0, 1, 'float32', 4);
    const ours = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(conv3x3Relu(xx as tf.Tensor4D, ww as tf.Tensor4D, bb), probe));
    const plain = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(tf.relu(tf.add(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'), bb)), probe));
    const f = studio ? ours : plain;
    return [f(x, w, b), ...tf.grads(f)([x, w, b])].map((t) => t.dataSync() as Float32Array);
  });
}

describe('on tfjs’s CPU backend', () => {
  it('conv3x3+ReLU with the studio’s gradients has the value and gradients of tfjs’s own conv ops', async () => {
    await startNodeBackend('cpu');
    const [value, ...grads] = convCase(true);
    const [plainValue, ...plainGrads] = convCase(false);
    expectClose(value as Float32Array, plainValue as Float32Array, 1e-6, 'value');
    grads.forEach((g, i) => {
      expectClose(g, plainGrads[i] as Float32Array, 1e-5, `grad ${i}`);
    });
  });

  it('filterGradient equals tfjs’s Conv2DBackpropFilter on an odd shape', async () => {
    await startNodeBackend('cpu');
    const x = tf.randomNormal<tf.Rank.R4>([3, 5, 7, 2], 0, 1, 'float32', 5);
    const dz = tf.randomNormal<tf.Rank.R4>([3, 5, 7, 6], 0, 1, 'float32', 6);
    const ours = filterGradient(x, dz);
    // d/dW Σ conv2d(x, W) ⊙ dz is tfjs's Conv2DBackpropFilter(x, dz).
    const theirs = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), dz)))(
      tf.zeros<tf.Rank.R4>([3, 3, 2, 6]),
    );
    expect(ours.shape).toEqual([3, 3, 2, 6]);
    expectClose(await ours.data(), await theirs.data(), 1e-5, 'filter gradient');
    tf.dispose([x, dz, ours, theirs]);
  });
});

describe('on wasm', () => {
  it('conv3x3+ReLU trains with the conv-form gradients to the CPU backend’s tfjs gradients', async () => {
    await startNodeBackend('cpu');
    const reference = convCase(false);
    const started = await startNodeBackend('wasm');
    expect(started.name).toBe('wasm');
    convCase(true).forEach((values, i) => {
      expectClose(values, reference[i] as Float32Array, 1e-5, i === 0 ? 'value' : `grad ${i - 1}`);
    });
  });

  it('the conv forms of both gradients equal tfjs’s CPU kernels on odd shapes', async () => {
    const shapes = { x: [3, 5, 7, 2], dz: [3, 5, 7, 6], w: [3, 3, 2, 6] } as const;
    const inputs = () => ({
      x: tf.randomNormal<tf.Rank.R4>([...shapes.x], 0, 1, 'float32', 5),
      dz: tf.randomNormal<tf.Rank.R4>([...shapes.dz], 0, 1, 'float32', 6),
      w: tf.randomNormal<tf.Rank.R4>([...shapes.w], 0, 1, 'float32', 7),
    });
    await startNodeBackend('cpu');
    const cpu = tf.tidy(() => {
      const { x, dz, w } = inputs();
      return [
        tf.conv2dTranspose(dz, w, x.shape, 1, 'same').dataSync(),
        tf
          .grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ww as tf.Tensor4D, 1, 'same'), dz)))(w)
          .dataSync(),
      ];
    });
    await startNodeBackend('wasm');
    const before = tf.memory().numTensors;
    const wasm = tf.tidy(() => {
      const { x, dz, w } = inputs();
      return [
        inputGradientAsConv(dz, w).dataSync(),
        filterGradientAsConv(x, tf.transpose<tf.Tensor4D>(dz, [1, 2, 0, 3])).dataSync(),
      ];
    });
    expect(tf.memory().numTensors).toBe(before);
    expectClose(wasm[0] as Float32Array, cpu[0] as Float32Array, 1e-5, 'input gradient');
    expectClose(wasm[1] as Float32Array, cpu[1] as Float32Array, 1e-5, 'filter gradient');
  });

  it('the ReLU backward kernel gives the masked gradient, its [H, W, N, C] layout and the bias gradient', () => {
    const y = tf.relu(tf.randomNormal<tf.Rank.R4>([3, 5, 7, 6], 0, 1, 'float32', 8));
    const dy = tf.randomNormal<tf.Rank.R4>([3, 5, 7, 6], 0, 1, 'float32', 9);
    const [dz, dzHwnc, db] = tf.engine().runKernel(RELU_BACKWARD, { dy, y }) as unknown as tf.Tensor[];
    const expected = tf.mul(dy, tf.step(y));
    expect(dzHwnc?.shape).toEqual([5, 7, 3, 6]);
    expectClose(dz?.dataSync() as Float32Array, expected.dataSync(), 0, 'dz');
    expectClose(
      dzHwnc?.dataSync() as Float32Array,
      tf.transpose(expected, [1, 2, 0, 3]).dataSync(),
      0,
      'dz as [H, W, N, C]',
    );
    expectClose(db?.dataSync() as Float32Array, tf.sum(expected, [0, 1, 2]).dataSync(), 1e-5, 'db');
    tf.dispose([y, dy, dz, dzHwnc, db, expected].filter((t): t is tf.Tensor => t !== undefined));
  });

  it('the ReLU backward loop passes dy exactly where y > 0: tiny and huge y, and not at +0 or −0', () => {
    const y = Float32Array.from([0, -0, 1.4e-45, 1e-38, 3.4e38, 0.5, -0, 2]);
    const dy = Float32Array.from([1, 2, 3, 4, 5, -6, 7, -0.25]);
    const dz = new Float32Array(8);
    const dzHwnc = new Float32Array(8);
    const db = new Float32Array(2);
    // [n, h, w, c] = [2, 1, 2, 2]: images (0, 1), pixels (0, 1), channels (0, 1).
    reluBackwardLoop(dy, y, [2, 1, 2, 2], dz, dzHwnc, db);
    expect([...dz]).toEqual([0, 0, 3, 4, 5, -6, 0, -0.25]);
    expect([...dzHwnc]).toEqual([0, 0, 5, -6, 3, 4, 0, -0.25]);
    expect([...db]).toEqual([8, -2.25]);
  });

  it('computes no input gradient where the tape needs none (the first layer’s images)', async () => {
    const x = tf.randomNormal<tf.Rank.R4>([2, 6, 5, 3], 0, 1, 'float32', 1);
    const w = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 4], 0, 0.5, 'float32', 2);
    const b = tf.randomNormal([4], 0, 0.5, 'float32', 3);
    const kernelsOf = async (f: () => tf.Tensor[]) =>
      (
        await tf.profile(() => {
          tf.dispose(f());
        })
      ).kernels.map((k) => k.name);
    const loss = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(conv3x3Relu(xx as tf.Tensor4D, ww as tf.Tensor4D, bb));
    const weightsOnly = await kernelsOf(() =>
      tf.grads((ww: tf.Tensor, bb: tf.Tensor) => loss(x, ww, bb))([w, b]),
    );
    const withInput = await kernelsOf(() => tf.grads(loss)([x, w, b]));
    expect(withInput).toContain(FLIP_FILTER);
    expect(weightsOnly).not.toContain(FLIP_FILTER);
    expect(weightsOnly).toContain(PAD_TRANSPOSE);
    tf.dispose([x, w, b]);
  });
});
