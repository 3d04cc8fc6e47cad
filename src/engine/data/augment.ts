// Batch assembly with the reference's augmentation (torchvision RandomCrop(32, padding=4) then
// RandomHorizontalFlip, then ToTensor + Normalize), done on the CPU over the stored bytes in one
// pass: each output float is one table lookup. No closures or allocation per pixel, so a worker
// assembles tens of thousands of images per second. Pure functions over typed arrays.

import type { Rng } from '../util/rng';
import { IMAGE_BYTES } from '../formats/cifarLayout';
import { CHANNELS, IMAGE_SIDE } from './labeledImages';

/** Zero padding on each side before the random 32×32 crop. */
export const CROP_PADDING = 4;

/** Per-image augmentation draws for one batch. */
export interface Augmentation {
  /** Crop origin in the padded 40×40 image, 0…2·padding (torchvision's i, j). */
  top: Uint8Array;
  left: Uint8Array;
  /** 1 = mirror left–right (after the crop, as in the reference's transform order). */
  flip: Uint8Array;
}

/** Draws crop offsets and flips for `n` images: top, left, flip per image, in that order. */
export function drawAugmentation(rng: Rng, n: number): Augmentation {
  const top = new Uint8Array(n);
  const left = new Uint8Array(n);
  const flip = new Uint8Array(n);
  const positions = 2 * CROP_PADDING + 1;
  for (let i = 0; i < n; i++) {
    top[i] = rng.int(positions);
    left[i] = rng.int(positions);
    flip[i] = rng.next() < 0.5 ? 1 : 0;
  }
  return { top, left, flip };
}

/** The identity augmentation: centre crop, no flip (for tests and evaluation). */
export function noAugmentation(n: number): Augmentation {
  return {
    top: new Uint8Array(n).fill(CROP_PADDING),
    left: new Uint8Array(n).fill(CROP_PADDING),
    flip: new Uint8Array(n),
  };
}

/**
 * Gathers `indices` from `images` (N×3072 CHW bytes) into a normalised NHWC float32 batch
 * [B,32,32,3]. `table` comes from normalizationTable(); `aug` null means no augmentation.
 * Output pixel (y, x) of a flipped image reads cropped column 31 − x; crop pixels outside the
 * original image read byte 0, i.e. the normalised value of black.
 */
export function assembleBatch(
  images: Uint8Array,
  indices: ArrayLike<number>,
  table: Float32Array,
  aug: Augmentation | null,
  out: Float32Array = new Float32Array(indices.length * IMAGE_BYTES),
): Float32Array {
  const S = IMAGE_SIDE;
  const plane = S * S;
  for (let b = 0; b < indices.length; b++) {
    const src = (indices[b] as number) * IMAGE_BYTES;
    const dy = aug === null ? 0 : (aug.top[b] as number) - CROP_PADDING;
    const dx = aug === null ? 0 : (aug.left[b] as number) - CROP_PADDING;
    const flip = aug !== null && aug.flip[b] === 1;
    // Output columns [x0, x1) read inside the source image; the rest is padding.
    // Unflipped: sx = x + dx. Flipped: sx = (S − 1 − x) + dx.
    const x0 = flip ? Math.max(0, dx) : Math.max(0, -dx);
    const x1 = flip ? Math.min(S, S + dx) : Math.min(S, S - dx);
    const base = b * IMAGE_BYTES;
    for (let c = 0; c < CHANNELS; c++) {
      const lut = c * 256;
      const pad = table[lut] as number;
      const channel = src + c * plane;
      for (let y = 0; y < S; y++) {
        const sy = y + dy;
        let o = base + y * S * CHANNELS + c;
        if (sy < 0 || sy >= S) {
          for (let x = 0; x < S; x++, o += CHANNELS) out[o] = pad;
          continue;
        }
        const row = channel + sy * S;
        let x = 0;
        for (; x < x0; x++, o += CHANNELS) out[o] = pad;
        if (flip) {
          const right = row + S - 1 + dx;
          for (; x < x1; x++, o += CHANNELS) out[o] = table[lut + (images[right - x] as number)] as number;
        } else {
          const shifted = row + dx;
          for (; x < x1; x++, o += CHANNELS) out[o] = table[lut + (images[shifted + x] as number)] as number;
        }
        for (; x < S; x++, o += CHANNELS) out[o] = pad;
      }
    }
  }
  return out;
}
