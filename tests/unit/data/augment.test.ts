import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/engine/util/rng';
import {
  assembleBatch,
  drawAugmentation,
  noAugmentation,
  type Augmentation,
} from '../../../src/engine/data/augment';
import { normalizationTable, REFERENCE_NORMALIZATION } from '../../../src/engine/data/normalization';

const table = normalizationTable();
const S = 32;

/** Two distinct random images, CHW bytes. */
const images = new Uint8Array(2 * 3072).map((_, i) => (i * 2654435761) >>> 24);

/** The byte of image `n` at channel c, row y, column x (CHW), or undefined outside the image. */
function byteAt(n: number, c: number, y: number, x: number): number | undefined {
  if (y < 0 || y >= S || x < 0 || x >= S) return undefined;
  return images[n * 3072 + c * 1024 + y * S + x];
}

/** NHWC output value at batch b, row y, column x, channel c. */
function outAt(out: Float32Array, b: number, y: number, x: number, c: number): number {
  return out[((b * S + y) * S + x) * 3 + c] as number;
}

function one(top: number, left: number, flip: 0 | 1): Augmentation {
  return { top: Uint8Array.of(top), left: Uint8Array.of(left), flip: Uint8Array.of(flip) };
}

describe('normalizationTable', () => {
  it('is (v/255 − mean)/std per channel, rounded once to float32', () => {
    const { mean, std } = REFERENCE_NORMALIZATION;
    for (let c = 0; c < 3; c++) {
      for (const v of [0, 1, 37, 128, 254, 255]) {
        expect(table[c * 256 + v]).toBe(Math.fround((v / 255 - (mean[c] ?? 0)) / (std[c] ?? 1)));
      }
    }
    expect(table[0]).toBeCloseTo(-0.485 / 0.229, 6);
    expect(table[2 * 256 + 255]).toBeCloseTo((1 - 0.406) / 0.225, 6);
  });
});

describe('assembleBatch', () => {
  it('without augmentation is CHW bytes → normalised NHWC', () => {
    const out = assembleBatch(images, [1, 0], table, null);
    expect(out.length).toBe(2 * 3072);
    for (const [b, n] of [
      [0, 1],
      [1, 0],
    ] as const) {
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < S; y += 5)
          for (let x = 0; x < S; x += 3) {
            expect(outAt(out, b, y, x, c)).toBe(table[c * 256 + (byteAt(n, c, y, x) ?? -1)]);
          }
    }
    expect(assembleBatch(images, [0], table, noAugmentation(1))).toEqual(
      assembleBatch(images, [0], table, null),
    );
  });

  it('a flip is a mirror image', () => {
    const plain = assembleBatch(images, [0], table, null);
    const flipped = assembleBatch(images, [0], table, one(4, 4, 1));
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < S; y++)
        for (let x = 0; x < S; x++) expect(outAt(flipped, 0, y, x, c)).toBe(outAt(plain, 0, y, S - 1 - x, c));
  });

  it('a crop moves pixels by its offset and fills the border with normalised black', () => {
    for (const [top, left, flip] of [
      [0, 0, 0],
      [8, 8, 0],
      [1, 7, 0],
      [6, 2, 1],
      [0, 8, 1],
    ] as const) {
      const out = assembleBatch(images, [1], table, one(top, left, flip));
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < S; y++)
          for (let x = 0; x < S; x++) {
            // torchvision: pad 4 with 0, crop at (top, left), then mirror.
            const cx = flip === 1 ? S - 1 - x : x;
            const byte = byteAt(1, c, y + top - 4, cx + left - 4) ?? 0;
            expect(outAt(out, 0, y, x, c)).toBe(table[c * 256 + byte]);
          }
      if (top === 0) expect(outAt(out, 0, 0, 10, 1)).toBe(table[256]); // padded row: (0 − mean)/std
    }
  });

  it('draws crops in 0…8 and flips about half the time, determined by the seed', () => {
    const a = drawAugmentation(new Rng(7), 4000);
    const b = drawAugmentation(new Rng(7), 4000);
    expect(a).toEqual(b);
    expect(drawAugmentation(new Rng(8), 4000)).not.toEqual(a);
    expect(Math.max(...a.top, ...a.left)).toBe(8);
    expect(Math.min(...a.top, ...a.left)).toBe(0);
    const flips = a.flip.reduce((s, f) => s + f, 0);
    expect(flips).toBeGreaterThan(1800);
    expect(flips).toBeLessThan(2200);
  });
});
