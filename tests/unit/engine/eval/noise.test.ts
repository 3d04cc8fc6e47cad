// The Gaussian noise of the robustness rows: seeded, mean 0, the requested σ, and per image, so
// every component and every batch size sees the same noisy images.

import { describe, expect, it } from 'vitest';
import { gaussianNoise, noisySplit } from '../../../../src/engine/eval/noise';
import { Rng } from '../../../../src/engine/util/rng';

describe('gaussian noise', () => {
  it('is seeded, has mean 0 and the requested standard deviation', () => {
    const a = gaussianNoise(new Rng(5), 100_000, 0.08);
    expect(gaussianNoise(new Rng(5), 100_000, 0.08)).toEqual(a);
    expect(gaussianNoise(new Rng(6), 10, 0.08)).not.toEqual(a.subarray(0, 10));
    const mean = a.reduce((s, x) => s + x, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / (a.length - 1));
    // Standard error of the mean is 0.08/√1e5 ≈ 2.5e-4; of the sd about 1.8e-4.
    expect(Math.abs(mean)).toBeLessThan(1.5e-3);
    expect(Math.abs(sd - 0.08)).toBeLessThan(1e-3);
    expect(() => gaussianNoise(new Rng(1), 1, -1)).toThrow(/σ/);
  });

  it('perturbs mid-grey pixels by σ·255, clips at the ends, and depends only on seed and image', () => {
    const count = 3;
    const images = new Uint8Array(count * 3072).fill(128);
    images.fill(0, 3072, 2 * 3072);
    const labels = new Uint8Array([1, 2, 3]);
    const split = { images, labels, count };
    const noisy = noisySplit(split, 0.1, 9);
    expect(images[0]).toBe(128);
    expect(noisy.count).toBe(3);
    expect(noisy.labels).toEqual(labels);
    const grey = [...noisy.images.subarray(0, 3072)].map((v) => v - 128);
    const mean = grey.reduce((s, x) => s + x, 0) / grey.length;
    const sd = Math.sqrt(grey.reduce((s, x) => s + (x - mean) ** 2, 0) / grey.length);
    expect(Math.abs(mean)).toBeLessThan(1.5);
    expect(sd).toBeGreaterThan(0.1 * 255 * 0.93);
    expect(sd).toBeLessThan(0.1 * 255 * 1.07);
    // Black pixels cannot go below 0: about half stay 0.
    const black = noisy.images.subarray(3072, 2 * 3072);
    const zeros = black.filter((v) => v === 0).length / 3072;
    expect(zeros).toBeGreaterThan(0.45);
    expect(zeros).toBeLessThan(0.55);
    // The first image is the same when fewer images are asked for; another seed changes it.
    expect(noisySplit(split, 0.1, 9, 1).images).toEqual(noisy.images.subarray(0, 3072));
    expect(noisySplit(split, 0.1, 10, 1).images).not.toEqual(noisy.images.subarray(0, 3072));
  });
});
