import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { assembleBatch } from '../../../../src/engine/data/augment';
import { normalizationTable } from '../../../../src/engine/data/normalization';
import { batchMaker, makeBatch, type ImageSplit } from '../../../../src/engine/train/trainingData';
import { Rng } from '../../../../src/engine/util/rng';

/** Image i is filled with byte (i·7) & 0xff and labelled i % 10. */
function split(n: number): ImageSplit {
  const images = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++) images.fill((i * 7) & 0xff, i * 3072, (i + 1) * 3072);
  return { images, labels: new Uint8Array(n).map((_, i) => i % 10), count: n };
}

describe('batchMaker', () => {
  const data = split(20);
  const indices = Uint32Array.from([3, 17, 0, 9]);

  it('uploads the chosen records as a normalised NHWC batch with int32 labels, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const batch = makeBatch(data, indices, null);
    expect(batch.x.shape).toEqual([4, 32, 32, 3]);
    expect(batch.x.dtype).toBe('float32');
    expect(batch.labels.dtype).toBe('int32');
    expect(Array.from(await batch.labels.data())).toEqual([3, 7, 0, 9]);
    const expected = assembleBatch(data.images, indices, normalizationTable(), null);
    expect(Array.from(await batch.x.data())).toEqual(Array.from(expected));
    tf.dispose([batch.x, batch.labels]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('augments only when given a generator, reproducibly', async () => {
    const a = makeBatch(data, indices, new Rng(4));
    const b = makeBatch(data, indices, new Rng(4));
    const plain = makeBatch(data, indices, null);
    expect(Array.from(await a.x.data())).toEqual(Array.from(await b.x.data()));
    expect(Array.from(await a.x.data())).not.toEqual(Array.from(await plain.x.data()));
    tf.dispose([a.x, a.labels, b.x, b.labels, plain.x, plain.labels]);
  });

  it('normalises with a model’s own mean and std, and refuses malformed ones', async () => {
    const identity = batchMaker({ mean: [0, 0, 0], std: [1, 1, 1] });
    const batch = identity(data, Uint32Array.from([1]), null);
    const values = await batch.x.data();
    expect(values[0]).toBeCloseTo(7 / 255, 6);
    tf.dispose([batch.x, batch.labels]);
    expect(() => batchMaker({ mean: [0, 0], std: [1, 1, 1] })).toThrow(/three finite numbers/);
  });
});
