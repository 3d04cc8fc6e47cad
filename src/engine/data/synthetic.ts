// The built-in synthetic dataset: ten classes of coloured shapes (a red square, a green disc, …) at
// random sizes and positions on noisy backgrounds, in the CIFAR-10 layout (32×32 CHW bytes, one label
// byte). Deterministic from a seed, balanced, generated in well under a second, and learnable by a
// small VGG in a few hundred steps, so the studio trains offline before any CIFAR import. Every shape
// is left–right symmetric: horizontal-flip augmentation never turns one class into another.

import { Rng } from '../util/rng';
import { IMAGE_BYTES } from '../formats/cifarLayout';
import { IMAGE_SIDE, type LabeledImages } from './labeledImages';

export const SYNTHETIC_CLASS_NAMES: readonly string[] = [
  'red square',
  'green disc',
  'blue horizontal stripes',
  'yellow vertical stripes',
  'magenta ring',
  'cyan plus',
  'orange triangle',
  'white checkerboard',
  'purple cross',
  'teal frame',
];

/** Shape colours (R, G, B), one per class. */
const COLOURS: readonly (readonly [number, number, number])[] = [
  [220, 40, 40],
  [40, 200, 60],
  [50, 80, 230],
  [230, 220, 50],
  [220, 50, 220],
  [50, 220, 230],
  [250, 140, 30],
  [240, 240, 240],
  [130, 60, 200],
  [20, 140, 130],
];

export interface SyntheticOptions {
  seed?: number;
  trainCount?: number;
  testCount?: number;
}

export interface SyntheticDataset {
  kind: 'synthetic';
  seed: number;
  classNames: string[];
  train: LabeledImages;
  test: LabeledImages;
}

export const SYNTHETIC_DEFAULTS = { seed: 0, trainCount: 10_000, testCount: 2_000 } as const;

/** Generates the synthetic dataset; the same options always give the same bytes. */
export function generateSynthetic(options: SyntheticOptions = {}): SyntheticDataset {
  const seed = options.seed ?? SYNTHETIC_DEFAULTS.seed;
  return {
    kind: 'synthetic',
    seed,
    classNames: [...SYNTHETIC_CLASS_NAMES],
    // Independent streams, so the test set does not change when the training count does.
    train: generateSplit(new Rng(seed), options.trainCount ?? SYNTHETIC_DEFAULTS.trainCount),
    test: generateSplit(
      new Rng((seed ^ 0x5bd1e995) >>> 0),
      options.testCount ?? SYNTHETIC_DEFAULTS.testCount,
    ),
  };
}

/** The split as CIFAR-10 binary records (label byte + 3072 pixel bytes each), e.g. to export. */
export function toCifar10Records(split: LabeledImages): Uint8Array {
  const n = split.labels.length;
  const out = new Uint8Array(n * (1 + IMAGE_BYTES));
  for (let i = 0; i < n; i++) {
    out[i * (1 + IMAGE_BYTES)] = split.labels[i] as number;
    out.set(split.images.subarray(i * IMAGE_BYTES, (i + 1) * IMAGE_BYTES), i * (1 + IMAGE_BYTES) + 1);
  }
  return out;
}

function generateSplit(rng: Rng, count: number): LabeledImages {
  const classes = SYNTHETIC_CLASS_NAMES.length;
  // Balanced: label i mod 10, then shuffled.
  const labels = new Uint8Array(count);
  const order = rng.permutation(count);
  for (let i = 0; i < count; i++) labels[order[i] as number] = i % classes;
  const images = new Uint8Array(count * IMAGE_BYTES);
  const mask = new Uint8Array(IMAGE_SIDE * IMAGE_SIDE);
  for (let i = 0; i < count; i++) drawImage(rng, labels[i] as number, mask, images, i * IMAGE_BYTES);
  return { images, labels };
}

function drawImage(rng: Rng, label: number, mask: Uint8Array, out: Uint8Array, at: number): void {
  const S = IMAGE_SIDE;
  const size = 12 + rng.int(9); // 12…20 pixels
  const x0 = rng.int(S - size + 1);
  const y0 = rng.int(S - size + 1);
  mask.fill(0);
  drawShape(label, mask, x0, y0, size);
  const colour = COLOURS[label] ?? [128, 128, 128];
  const background = [20 + rng.int(100), 20 + rng.int(100), 20 + rng.int(100)];
  const jitter = [rng.int(41) - 20, rng.int(41) - 20, rng.int(41) - 20];
  let noise = 0;
  let noiseBytes = 0;
  for (let c = 0; c < 3; c++) {
    const fg = (colour[c] as number) + (jitter[c] as number);
    const bg = background[c] as number;
    const plane = at + c * S * S;
    for (let p = 0; p < S * S; p++) {
      if (noiseBytes === 0) {
        noise = rng.nextUint32();
        noiseBytes = 4;
      }
      const n = ((noise & 0xff) >> 3) - 16; // −16…15
      noise >>>= 8;
      noiseBytes--;
      const v = (mask[p] === 1 ? fg : bg) + n;
      out[plane + p] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

/** Sets mask pixels of class `label`'s shape inside the box (x0, y0, size). */
function drawShape(label: number, mask: Uint8Array, x0: number, y0: number, size: number): void {
  const S = IMAGE_SIDE;
  const r = size / 2;
  const cx = x0 + r - 0.5;
  const cy = y0 + r - 0.5;
  const bar = Math.max(2, Math.round(size / 5));
  for (let y = y0; y < y0 + size; y++) {
    for (let x = x0; x < x0 + size; x++) {
      const u = x - x0;
      const v = y - y0;
      const dx = x - cx;
      const dy = y - cy;
      const d2 = dx * dx + dy * dy;
      let inside: boolean;
      switch (label) {
        case 0: // square
          inside = true;
          break;
        case 1: // disc
          inside = d2 <= r * r;
          break;
        case 2: // horizontal stripes
          inside = v % 4 < 2;
          break;
        case 3: // vertical stripes, symmetric about the box centre
          inside = Math.abs(dx) % 4 < 2;
          break;
        case 4: // ring
          inside = d2 <= r * r && d2 >= 0.3 * r * r; // inner radius ≈ 0.55 r
          break;
        case 5: // plus
          inside = Math.abs(dx) < bar / 2 + 0.5 || Math.abs(dy) < bar / 2 + 0.5;
          break;
        case 6: // triangle pointing up
          inside = Math.abs(dx) <= (v + 1) / 2;
          break;
        case 7: // checkerboard, symmetric about the box centre
          inside = ((Math.floor(Math.abs(dx) / 3) + (v >> 2)) & 1) === 0;
          break;
        case 8: // diagonal cross
          inside = Math.abs(Math.abs(dx) - Math.abs(dy)) < 1.5;
          break;
        default: // frame
          inside = u < bar || v < bar || u >= size - bar || v >= size - bar;
      }
      if (inside) mask[y * S + x] = 1;
    }
  }
}
