// The 3-D view's projection: eigen-decomposition of the centred Gram matrix, distances kept.

import { describe, expect, it } from 'vitest';
import { projectFromCentredGram, symmetricEigen } from '../../../../src/engine/surface/principalProjection';
import { Rng } from '../../../../src/engine/util/rng';

function randomVectors(n: number, dim: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: dim }, () => rng.nextUint32() / 2 ** 32 - 0.5));
}

function centredGram(vs: number[][]): number[][] {
  const dim = (vs[0] as number[]).length;
  const mean = Array.from({ length: dim }, (_, d) => vs.reduce((s, v) => s + (v[d] ?? 0), 0) / vs.length);
  const c = vs.map((v) => v.map((x, d) => x - (mean[d] ?? 0)));
  return c.map((x) => c.map((y) => x.reduce((s, xi, i) => s + xi * (y[i] ?? 0), 0)));
}

const dist = (x: readonly number[], y: readonly number[]) =>
  Math.sqrt(x.reduce((s, xi, i) => s + (xi - (y[i] ?? 0)) ** 2, 0));

describe('principal projection', () => {
  it('decomposes a symmetric matrix: Q Λ Qᵀ gives it back, Q orthogonal, values descending', () => {
    const m = centredGram(randomVectors(6, 9, 3));
    const { values, vectors } = symmetricEigen(m);
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) {
        const back = values.reduce((s, l, r) => s + (vectors[i]?.[r] ?? 0) * l * (vectors[j]?.[r] ?? 0), 0);
        expect(back).toBeCloseTo(m[i]?.[j] ?? NaN, 10);
        const qq = vectors.reduce((s, row) => s + (row[i] ?? 0) * (row[j] ?? 0), 0);
        expect(qq).toBeCloseTo(i === j ? 1 : 0, 10);
      }
    }
    values.slice(1).forEach((v, i) => {
      expect(v).toBeLessThanOrEqual(values[i] ?? Infinity);
    });
  });

  it.each([2, 3, 4])('keeps every pairwise distance of %i vertices', (k) => {
    const vs = randomVectors(k, 30, 10 + k);
    const { coords, explained } = projectFromCentredGram(centredGram(vs));
    expect(coords).toHaveLength(k);
    for (let i = 0; i < k; i++) {
      for (let j = i + 1; j < k; j++) {
        expect(dist(coords[i] ?? [], coords[j] ?? [])).toBeCloseTo(dist(vs[i] ?? [], vs[j] ?? []), 10);
      }
    }
    expect(explained.reduce((s, e) => s + e, 0)).toBeCloseTo(1, 10);
  });
});
