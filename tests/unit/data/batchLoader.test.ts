import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../../src/protocol/errors';
import {
  batchTensors,
  evalBatches,
  TrainLoader,
  type LoaderPosition,
} from '../../../src/engine/data/batchLoader';
import type { LabeledImages } from '../../../src/engine/data/labeledImages';
import { normalizationTable } from '../../../src/engine/data/normalization';

/** Image i is filled with byte i & 0xff and labelled i % 10, so a batch tells which images it holds. */
function dataset(n: number): LabeledImages {
  const images = new Uint8Array(n * 3072);
  for (let i = 0; i < n; i++) images.fill(i & 0xff, i * 3072, (i + 1) * 3072);
  return { images, labels: new Uint8Array(n).map((_, i) => i % 10) };
}

const table = normalizationTable();

/** Exact equality of big float arrays (vitest's deep equality is slow on them). */
function same(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
const data = dataset(250);

/** Image ids of a batch, read back from the centre pixel of the red channel. */
function ids(x: Float32Array, size: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < size; b++)
    out.push(table.subarray(0, 256).indexOf(x[b * 3072 + (16 * 32 + 16) * 3] ?? NaN));
  return out;
}

describe('TrainLoader', () => {
  it('covers every index exactly once per epoch, dropping the partial last batch', () => {
    const loader = TrainLoader.fromSeed(data, 3, { batchSize: 32, augment: false });
    expect(loader.batchesPerEpoch).toBe(7); // 250 / 32, partial dropped
    const epochs: number[][] = [[], []];
    for (let i = 0; i < 14; i++) {
      const indices = loader.peekIndices();
      const batch = loader.next();
      expect(batch.size).toBe(32);
      expect(batch.epoch).toBe(Math.floor(i / 7));
      expect(batch.batch).toBe(i % 7);
      expect(ids(batch.x, 32)).toEqual([...indices]);
      expect([...batch.labels]).toEqual([...indices].map((j) => j % 10));
      epochs[batch.epoch]?.push(...indices);
    }
    for (const seen of epochs) {
      expect(new Set(seen).size).toBe(224);
      expect(seen.every((j) => j >= 0 && j < 250)).toBe(true);
    }
    expect(epochs[0]).not.toEqual(epochs[1]); // a fresh permutation each epoch
    expect(loader.position.epoch).toBe(2);
    expect(loader.position.batch).toBe(0);
  });

  it('the full permutation covers each index once, including those dropped this epoch', () => {
    const loader = TrainLoader.fromSeed(dataset(64), 1, { batchSize: 64, augment: false });
    expect([...loader.peekIndices()].sort((a, b) => a - b)).toEqual([...Array(64).keys()]);
  });

  it('is determined by the seed', () => {
    const a = TrainLoader.fromSeed(data, 11, { batchSize: 16 });
    const b = TrainLoader.fromSeed(data, 11, { batchSize: 16 });
    const c = TrainLoader.fromSeed(data, 12, { batchSize: 16 });
    const xa = a.next().x;
    expect(same(b.next().x, xa)).toBe(true);
    expect(same(c.next().x, xa)).toBe(false);
  });

  it('resumes from a stored position exactly as an uninterrupted run continues', () => {
    const options = { batchSize: 32 };
    const straight = TrainLoader.fromSeed(data, 5, options);
    const interrupted = TrainLoader.fromSeed(data, 5, options);
    for (let i = 0; i < 5; i++) {
      straight.next();
      interrupted.next();
    }
    // Round-trip through JSON, as a checkpoint in IndexedDB would.
    const stored = JSON.parse(JSON.stringify(interrupted.position)) as LoaderPosition;
    const resumed = new TrainLoader(data, stored, options);
    for (let i = 0; i < 12; i++) {
      const want = straight.next();
      const got = resumed.next();
      expect([got.epoch, got.batch]).toEqual([want.epoch, want.batch]);
      expect(got.labels).toEqual(want.labels);
      expect(same(got.x, want.x)).toBe(true);
    }
    expect(resumed.position).toEqual(straight.position);
  });

  it('rejects a position that does not fit, and a split smaller than a batch', () => {
    const position = TrainLoader.fromSeed(data, 1, { batchSize: 32 }).position;
    const bad = { ...position, batch: 7 };
    expect(() => new TrainLoader(data, bad, { batchSize: 32 })).toThrow(StudioError);
    try {
      TrainLoader.fromSeed(dataset(10), 1, { batchSize: 32 });
    } catch (err) {
      expect((err as StudioError).code).toBe('BAD_SETTINGS');
    }
  });
});

describe('evalBatches', () => {
  it('goes through the split in order, unaugmented, keeping the partial last batch', () => {
    const batches = [...evalBatches(data, 100)];
    expect(batches.map((b) => b.size)).toEqual([100, 100, 50]);
    expect(ids(batches[2]?.x ?? new Float32Array(0), 50)).toEqual([...Array(50).keys()].map((i) => 200 + i));
    expect([...(batches[1]?.labels ?? [])]).toEqual([...Array(100).keys()].map((i) => i % 10));
  });
});

describe('batchTensors', () => {
  it('makes an NHWC float32 batch and int32 labels without leaking tensors', () => {
    const before = tf.memory().numTensors;
    const batch = TrainLoader.fromSeed(data, 2, { batchSize: 8 }).next();
    const { x, y } = batchTensors(batch);
    expect(x.shape).toEqual([8, 32, 32, 3]);
    expect(x.dtype).toBe('float32');
    expect(y.dtype).toBe('int32');
    expect(same(x.dataSync() as Float32Array, batch.x)).toBe(true);
    tf.dispose([x, y]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
