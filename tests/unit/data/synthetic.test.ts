import { describe, expect, it } from 'vitest';
import { collect, fileOf, firstDifference, joined } from '../formats/cifarTestFiles';
import {
  generateSynthetic,
  SYNTHETIC_CLASS_NAMES,
  toCifar10Records,
} from '../../../src/engine/data/synthetic';

describe('generateSynthetic', () => {
  const full = generateSynthetic();

  it('has the default size, ten balanced classes and CIFAR-shaped arrays', () => {
    expect(full.kind).toBe('synthetic');
    expect(full.classNames).toEqual(SYNTHETIC_CLASS_NAMES);
    expect(full.train.labels.length).toBe(10_000);
    expect(full.test.labels.length).toBe(2_000);
    expect(full.train.images.length).toBe(10_000 * 3072);
    for (const [split, per] of [
      [full.train, 1000],
      [full.test, 200],
    ] as const) {
      const hist = new Array<number>(10).fill(0);
      for (const l of split.labels) hist[l] = (hist[l] ?? 0) + 1;
      expect(hist).toEqual(new Array<number>(10).fill(per));
    }
  });

  it('is deterministic from the seed, with an independent test split', () => {
    const a = generateSynthetic({ seed: 4, trainCount: 300, testCount: 100 });
    const b = generateSynthetic({ seed: 4, trainCount: 300, testCount: 100 });
    const c = generateSynthetic({ seed: 5, trainCount: 300, testCount: 100 });
    expect(firstDifference(a.train.images, b.train.images)).toBe(-1);
    expect(a.train.labels).toEqual(b.train.labels);
    expect(firstDifference(a.train.images, c.train.images)).not.toBe(-1);
    const d = generateSynthetic({ seed: 4, trainCount: 50, testCount: 100 });
    expect(firstDifference(a.test.images, d.test.images)).toBe(-1);
  });

  it('classes differ: mean colour of the brightest pixels separates them', () => {
    // A cheap learnability proxy: per-class mean image is distinct from every other class's.
    const means = Array.from({ length: 10 }, () => new Float64Array(3));
    for (let i = 0; i < full.train.labels.length; i++) {
      const m = means[full.train.labels[i] ?? 0] ?? new Float64Array(3);
      for (let c = 0; c < 3; c++) {
        let s = 0;
        for (let p = 0; p < 1024; p++) s += full.train.images[i * 3072 + c * 1024 + p] ?? 0;
        m[c] = (m[c] ?? 0) + s / 1024 / 1000;
      }
    }
    for (let a = 0; a < 10; a++)
      for (let b = a + 1; b < 10; b++) {
        const d = Math.hypot(...[0, 1, 2].map((c) => (means[a]?.[c] ?? 0) - (means[b]?.[c] ?? 0)));
        expect(d).toBeGreaterThan(3);
      }
  });

  it('round-trips through the CIFAR-10 record format and the importer', async () => {
    const small = generateSynthetic({ seed: 1, trainCount: 30, testCount: 20 });
    const { summary, chunks } = await collect([
      fileOf('data_batch_1.bin', toCifar10Records(small.train)),
      fileOf('test_batch.bin', toCifar10Records(small.test)),
    ]);
    expect(summary.counts).toEqual({ train: 30, test: 20 });
    expect(joined(chunks, 'train', 'labels')).toEqual(small.train.labels);
    expect(firstDifference(joined(chunks, 'test', 'images'), small.test.images)).toBe(-1);
  });
});
