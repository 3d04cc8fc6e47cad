// Plain-loop definitions (float64) the kernels are checked against, and the comparison.
import { expect } from 'vitest';
import type { Conv3x3Shape } from '../../../src/engine/compiled/kernels/conv3x3';
import { Rng } from '../../../src/engine/util/rng';

export function randoms(rng: Rng, count: number, scale = 1): Float32Array {
  return Float32Array.from({ length: count }, () => (rng.nextUint32() / 2 ** 32 - 0.5) * 2 * scale);
}

/** ReLU outputs: about a third exactly zero, as a mask input would be. */
export function activations(rng: Rng, count: number): Float32Array {
  return randoms(rng, count).map((v) => Math.max(0, v + 0.15));
}

/** |gpu − ref| ≤ tol · max|ref| everywhere (float32 sums in another order than the loops). */
export function expectClose(gpu: ArrayLike<number>, ref: ArrayLike<number>, tol = 1e-5): void {
  expect(gpu.length).toBeGreaterThanOrEqual(ref.length);
  let scale = 0;
  for (let i = 0; i < ref.length; i++) scale = Math.max(scale, Math.abs(ref[i] as number));
  let worst = 0;
  let at = -1;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs((gpu[i] as number) - (ref[i] as number));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  const detail = at < 0 ? '' : ` at ${at}: ${gpu[at]} against ${ref[at]}`;
  expect(worst / (scale || 1), `largest difference ${worst}${detail} (scale ${scale})`).toBeLessThanOrEqual(
    tol,
  );
}

function tap(x: ArrayLike<number>, s: Conv3x3Shape, c: number, b: number, y: number, xx: number, ch: number) {
  if (y < 0 || y >= s.h || xx < 0 || xx >= s.w) return 0;
  return x[((b * s.h + y) * s.w + xx) * c + ch] as number;
}

export function convForward(
  x: Float32Array,
  w: Float32Array,
  bias: Float32Array,
  s: Conv3x3Shape,
): Float64Array {
  const y = new Float64Array(s.n * s.h * s.w * s.cout);
  for (let b = 0; b < s.n; b++)
    for (let i = 0; i < s.h; i++)
      for (let j = 0; j < s.w; j++)
        for (let co = 0; co < s.cout; co++) {
          let acc = bias[co] as number;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++)
              for (let ci = 0; ci < s.cin; ci++)
                acc +=
                  tap(x, s, s.cin, b, i + ky - 1, j + kx - 1, ci) *
                  (w[((ky * 3 + kx) * s.cin + ci) * s.cout + co] as number);
          y[((b * s.h + i) * s.w + j) * s.cout + co] = Math.max(0, acc);
        }
  return y;
}

/** The gradients of Σ dy·conv(x) by scattering each output's gradient back over its taps. */
export function convBackward(x: Float32Array, w: Float32Array, dy: Float32Array, s: Conv3x3Shape) {
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(s.cout);
  for (let b = 0; b < s.n; b++)
    for (let i = 0; i < s.h; i++)
      for (let j = 0; j < s.w; j++)
        for (let co = 0; co < s.cout; co++) {
          const g = dy[((b * s.h + i) * s.w + j) * s.cout + co] as number;
          db[co] = (db[co] as number) + g;
          for (let ky = 0; ky < 3; ky++)
            for (let kx = 0; kx < 3; kx++) {
              const yy = i + ky - 1;
              const xx = j + kx - 1;
              if (yy < 0 || yy >= s.h || xx < 0 || xx >= s.w) continue;
              for (let ci = 0; ci < s.cin; ci++) {
                const wi = ((ky * 3 + kx) * s.cin + ci) * s.cout + co;
                const xi = ((b * s.h + yy) * s.w + xx) * s.cin + ci;
                dx[xi] = (dx[xi] as number) + g * (w[wi] as number);
                dw[wi] = (dw[wi] as number) + g * (x[xi] as number);
              }
            }
        }
  return { dx, dw, db };
}
