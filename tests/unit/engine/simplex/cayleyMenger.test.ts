import { describe, expect, it } from 'vitest';
import {
  LOG_VOLUME_EPS,
  cayleyMengerMatrix,
  cofactors,
  determinant,
  logVolumeWithGradient,
  simplexVolume,
  volumeNormaliser,
} from '../../../../src/engine/simplex/cayleyMenger';
import { Rng } from '../../../../src/engine/util/rng';

/** Squared distances (row-major n×n) between points given as rows. */
function sqDists(points: number[][]): Float64Array {
  const n = points.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const a = points[i] ?? [];
      const b = points[j] ?? [];
      d[i * n + j] = a.reduce((s, x, k) => s + (x - (b[k] ?? 0)) ** 2, 0);
    }
  }
  return d;
}

describe('determinant', () => {
  it('matches known values, including matrices that need pivoting', () => {
    expect(determinant([2], 1)).toBe(2);
    expect(determinant([1, 2, 3, 4], 2)).toBeCloseTo(-2, 12);
    expect(determinant([0, 1, 1, 0], 2)).toBeCloseTo(-1, 12);
    expect(determinant([0, 2, 1, 3, 0, 1, 1, 1, 0], 3)).toBeCloseTo(5, 12);
    expect(determinant([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)).toBeCloseTo(0, 10);
    expect(determinant([1, 2, 2, 4], 2)).toBe(0);
  });

  it('is multiplicative on random matrices', () => {
    const rng = new Rng(3);
    const n = 6;
    const a = Array.from({ length: n * n }, () => rng.normal());
    const b = Array.from({ length: n * n }, () => rng.normal());
    const ab = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        for (let k = 0; k < n; k++)
          ab[i * n + j] = (ab[i * n + j] ?? 0) + (a[i * n + k] ?? 0) * (b[k * n + j] ?? 0);
      }
    }
    const expected = determinant(a, n) * determinant(b, n);
    expect(determinant(ab, n)).toBeCloseTo(expected, 8);
  });

  it('cofactors give det A = Σ_j A_0j C_0j and A·Cᵀ = det·I', () => {
    const rng = new Rng(4);
    const n = 5;
    const a = Array.from({ length: n * n }, () => rng.normal());
    const c = cofactors(a, n);
    const det = determinant(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += (a[i * n + k] ?? 0) * (c[j * n + k] ?? 0);
        expect(s).toBeCloseTo(i === j ? det : 0, 9);
      }
    }
  });
});

describe('simplex volume (the reference value: squared volume)', () => {
  it('is 1 for one vertex, the squared length for two', () => {
    expect(simplexVolume([0], 1)).toBe(1);
    expect(
      simplexVolume(
        sqDists([
          [0, 0],
          [3, 4],
        ]),
        2,
      ),
    ).toBeCloseTo(25, 12);
  });

  it('is the squared area of a triangle and squared volume of a tetrahedron', () => {
    expect(
      simplexVolume(
        sqDists([
          [0, 0],
          [3, 0],
          [0, 4],
        ]),
        3,
      ),
    ).toBeCloseTo(36, 10);
    // Unit right-corner tetrahedron: volume 1/6.
    const tet = sqDists([
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(simplexVolume(tet, 4)).toBeCloseTo(1 / 36, 12);
  });

  it('uses the normaliser ((n−1)!)² · 2^(n−1)', () => {
    expect(volumeNormaliser(1)).toBe(1);
    expect(volumeNormaliser(2)).toBe(2);
    expect(volumeNormaliser(3)).toBe(16);
    expect(volumeNormaliser(4)).toBe(288);
  });

  it('builds CM as [[D, 1], [1ᵀ, 0]]', () => {
    expect(Array.from(cayleyMengerMatrix([0, 5, 5, 0], 2))).toEqual([0, 5, 1, 5, 0, 1, 1, 1, 0]);
  });

  it('rejects a distance matrix of the wrong size', () => {
    expect(() => simplexVolume([0, 1, 1], 2)).toThrow(/2×2/);
  });
});

describe('gradient of log(V + ε) with respect to the squared distances', () => {
  it('matches central finite differences, entry by entry', () => {
    const rng = new Rng(7);
    const points = Array.from({ length: 4 }, () => Array.from({ length: 5 }, () => rng.normal()));
    const d = sqDists(points);
    const n = 4;
    const { gradient, logVolume, volume } = logVolumeWithGradient(d, n);
    expect(logVolume).toBeCloseTo(Math.log(volume + LOG_VOLUME_EPS), 14);
    const h = 1e-6;
    for (let k = 0; k < n * n; k++) {
      const up = Float64Array.from(d);
      const down = Float64Array.from(d);
      up[k] = (up[k] ?? 0) + h;
      down[k] = (down[k] ?? 0) - h;
      const fd =
        (logVolumeWithGradient(up, n).logVolume - logVolumeWithGradient(down, n).logVolume) / (2 * h);
      expect(gradient[k]).toBeCloseTo(fd, 5);
    }
  });

  it('is zero for a degenerate simplex (det exactly 0), as PyTorch’s |·| backward gives', () => {
    // A second vertex placed on the first: D = 0, CM singular.
    const { volume, gradient } = logVolumeWithGradient([0, 0, 0, 0], 2);
    expect(volume).toBe(0);
    expect(Array.from(gradient).every((g) => g === 0)).toBe(true);
  });

  it('is zero for a single vertex', () => {
    const { volume, gradient } = logVolumeWithGradient([0], 1);
    expect(volume).toBe(1);
    expect(gradient[0] === 0).toBe(true);
  });
});
