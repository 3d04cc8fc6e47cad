import { describe, expect, it } from 'vitest';
import {
  sampleCoefficients,
  singleSimplex,
  validateComplex,
  verticesOf,
  withVertexJoined,
} from '../../../../src/engine/simplex/complex';
import { Rng } from '../../../../src/engine/util/rng';

describe('complex', () => {
  it('validates simplexes against the vertex list', () => {
    expect(() => {
      validateComplex([[0, 1]], 2);
    }).not.toThrow();
    expect(() => {
      validateComplex([], 2);
    }).toThrow(/no simplexes/);
    expect(() => {
      validateComplex([[]], 2);
    }).toThrow(/no vertices/);
    expect(() => {
      validateComplex([[0, 2]], 2);
    }).toThrow(/vertex 2/);
    expect(() => {
      validateComplex([[1, 1]], 2);
    }).toThrow(/twice/);
  });

  it('samples a simplex uniformly and Dirichlet(1,…,1) coefficients on it', () => {
    const complex = [
      [0, 3, 4],
      [1, 3, 4],
      [2, 3, 4],
    ];
    const rng = new Rng(11);
    const picks = [0, 0, 0];
    const mean = [0, 0, 0];
    const draws = 6000;
    for (let i = 0; i < draws; i++) {
      const c = sampleCoefficients(complex, 5, rng);
      expect(c).toHaveLength(5);
      expect(c.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(c.every((v) => v >= 0)).toBe(true);
      const mode = [0, 1, 2].filter((m) => (c[m] ?? 0) > 0);
      expect(mode).toHaveLength(1);
      const m = mode[0] ?? 0;
      picks[m] = (picks[m] ?? 0) + 1;
      mean[0] = (mean[0] ?? 0) + (c[m] ?? 0) / draws;
      mean[1] = (mean[1] ?? 0) + (c[3] ?? 0) / draws;
      mean[2] = (mean[2] ?? 0) + (c[4] ?? 0) / draws;
    }
    for (const p of picks) expect(Math.abs(p / draws - 1 / 3)).toBeLessThan(0.03);
    for (const m of mean) expect(Math.abs(m - 1 / 3)).toBeLessThan(0.02);
  });

  it('is reproducible from the seed', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    for (let i = 0; i < 10; i++)
      expect(sampleCoefficients([[0, 1, 2]], 3, a)).toEqual(sampleCoefficients([[0, 1, 2]], 3, b));
  });

  it('joins a new vertex to the chosen simplexes', () => {
    expect(singleSimplex(3)).toEqual([[0, 1, 2]]);
    const complex = [[0], [1], [2]];
    expect(verticesOf(complex, [0, 2])).toEqual([0, 2]);
    expect(withVertexJoined(complex, 3, [0, 1, 2])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
    ]);
    expect(withVertexJoined(complex, 3, [1])).toEqual([[0], [1, 3], [2]]);
    expect(() => withVertexJoined(complex, 3, [5])).toThrow(/no simplex 5/);
  });
});
