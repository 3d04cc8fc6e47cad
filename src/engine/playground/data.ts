// The Playground's 2-D data sets, two classes each, seeded. Two spirals exactly as the reference's
// notebook makes them (its twospirals: radius √u·600·2π/360, x = −1.5·cos(t)·t + noise, y = 1.5·sin(t)·t
// + noise, the second class the first negated, noise included); the others at the same scale
// (coordinates within about ±15), each with Gaussian noise of the given deviation per coordinate.

import type { PlaygroundDataset } from '../../protocol/playground';
import { Rng } from '../util/rng';

export interface Points2d {
  /** n × 2, row-major. */
  x: Float64Array;
  /** 0 or 1. */
  labels: Float64Array;
  count: number;
}

export function makePoints(
  dataset: PlaygroundDataset,
  perClass: number,
  noise: number,
  seed: number,
): Points2d {
  const rng = new Rng(seed);
  const n = 2 * perClass;
  const x = new Float64Array(2 * n);
  const labels = new Float64Array(n);
  const put = (i: number, a: number, b: number, label: number) => {
    x[2 * i] = a;
    x[2 * i + 1] = b;
    labels[i] = label;
  };
  const jitter = () => rng.normal() * noise;
  for (let i = 0; i < perClass; i++) {
    switch (dataset) {
      case 'spirals': {
        const t = Math.sqrt(rng.next()) * 600 * ((2 * Math.PI) / 360);
        const a = -1.5 * Math.cos(t) * t + jitter();
        const b = 1.5 * Math.sin(t) * t + jitter();
        put(i, a, b, 0);
        put(perClass + i, -a, -b, 1);
        break;
      }
      case 'circles': {
        const angle0 = 2 * Math.PI * rng.next();
        const r0 = 4 * rng.next();
        put(i, r0 * Math.cos(angle0) + jitter(), r0 * Math.sin(angle0) + jitter(), 0);
        const angle1 = 2 * Math.PI * rng.next();
        const r1 = 7 + 3 * rng.next();
        put(perClass + i, r1 * Math.cos(angle1) + jitter(), r1 * Math.sin(angle1) + jitter(), 1);
        break;
      }
      case 'xor': {
        for (const offset of [0, perClass]) {
          const a = 20 * rng.next() - 10;
          const b = 20 * rng.next() - 10;
          // Class 1 where the signs differ; a point too near an axis moves off it, as Playground's.
          const pad = (v: number) => v + (v > 0 ? 0.5 : -0.5);
          const label = a * b < 0 ? 1 : 0;
          put(i + offset, pad(a) + jitter(), pad(b) + jitter(), label);
        }
        break;
      }
      case 'blobs': {
        put(i, -4 + rng.normal() * (1 + noise), -4 + rng.normal() * (1 + noise), 0);
        put(perClass + i, 4 + rng.normal() * (1 + noise), 4 + rng.normal() * (1 + noise), 1);
        break;
      }
      case 'moons': {
        const t0 = Math.PI * rng.next();
        put(i, 8 * Math.cos(t0) - 4 + jitter(), 8 * Math.sin(t0) - 2 + jitter(), 0);
        const t1 = Math.PI * rng.next();
        put(perClass + i, 4 - 8 * Math.cos(t1) + jitter(), 2 - 8 * Math.sin(t1) + jitter(), 1);
        break;
      }
    }
  }
  return { x, labels, count: n };
}
