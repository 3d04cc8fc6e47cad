import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { conv3x3Relu, filterGradient } from '../../../../src/engine/model/conv3x3';
import { expectClose } from '../fixtures';

it('conv3x3+ReLU with the studio’s gradients has the value and gradients of tfjs’s own conv ops', async () => {
  await tf.ready();
  expect(tf.getBackend()).toBe('cpu');
  const x = tf.randomNormal<tf.Rank.R4>([2, 6, 5, 3], 0, 1, 'float32', 1);
  const w = tf.randomNormal<tf.Rank.R4>([3, 3, 3, 4], 0, 0.5, 'float32', 2);
  const b = tf.randomNormal([4], 0, 0.5, 'float32', 3);
  const probe = tf.randomNormal([2, 6, 5, 4], 0, 1, 'float32', 4);
  const ours = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(tf.mul(conv3x3Relu(xx as tf.Tensor4D, ww as tf.Tensor4D, bb), probe));
  const plain = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
    tf.sum(tf.mul(tf.relu(tf.add(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same'), bb)), probe));
  const g1 = tf.grads(ours)([x, w, b]);
  const g2 = tf.grads(plain)([x, w, b]);
  expectClose(await ours(x, w, b).data(), await plain(x, w, b).data(), 1e-6, 'value');
  for (let i = 0; i < 3; i++) {
    expectClose(await (g1[i] as tf.Tensor).data(), await (g2[i] as tf.Tensor).data(), 1e-5, `grad ${i}`);
  }
  tf.dispose([x, w, b, probe, ...g1, ...g2]);
});

it('filterGradient equals tfjs’s Conv2DBackpropFilter on an odd shape', async () => {
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
