// Gaussian pixel noise for the robustness rows, generated on the fly (no CIFAR-10-C download):
// CIFAR-10-C's gaussian_noise adds N(0, σ²) to pixels scaled to [0,1], clips to [0,1] and stores
// 8-bit images; so does this, so the noisy images go through the usual batch assembly and
// normalisation (σ in normalised units is σ/std per channel). Pure JavaScript, seeded per image,
// so every component sees exactly the same noisy images whatever the batch size.
//
//   x̃ = round(255 · clip(x/255 + σ·ε, 0, 1)),  ε ~ N(0, 1) per pixel and channel

import { StudioError } from '../../protocol/errors';
import { IMAGE_BYTES } from '../formats/cifarLayout';
import type { ImageSplit } from '../train/trainingData';
import { Rng } from '../util/rng';
import { deriveSeed } from '../util/seeds';

/** `count` draws of N(0, σ²). */
export function gaussianNoise(rng: Rng, count: number, sigma: number): Float64Array {
  if (!(sigma >= 0) || !Number.isFinite(sigma)) {
    throw new StudioError('BAD_ARGUMENT', `The noise σ must be a finite number ≥ 0, got ${sigma}.`);
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = sigma * rng.normal();
  return out;
}

/**
 * The first `count` images of `split` with noise σ on [0,1] pixels; image i's noise depends only
 * on (seed, σ, i). A new split: the original bytes are not touched.
 */
export function noisySplit(split: ImageSplit, sigma: number, seed: number, count = split.count): ImageSplit {
  const n = Math.min(count, split.count);
  const images = new Uint8Array(n * IMAGE_BYTES);
  for (let i = 0; i < n; i++) {
    const noise = gaussianNoise(new Rng(deriveSeed(seed, 'gaussian-noise', sigma, i)), IMAGE_BYTES, sigma);
    const base = i * IMAGE_BYTES;
    for (let p = 0; p < IMAGE_BYTES; p++) {
      const x = (split.images[base + p] ?? 0) / 255 + (noise[p] ?? 0);
      images[base + p] = Math.round(255 * Math.min(1, Math.max(0, x)));
    }
  }
  return { images, labels: split.labels.subarray(0, n), count: n };
}
