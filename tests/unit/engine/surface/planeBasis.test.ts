// The face plane's basis and grid layout, checked against explicit float64 vectors.

import { describe, expect, it } from 'vitest';
import {
  basisCombinations,
  coarseToFineLevels,
  faceCoefficients,
  gridAxes,
  isInside,
  planeFromGram,
  vertexCoords,
} from '../../../../src/engine/surface/planeBasis';
import { Rng } from '../../../../src/engine/util/rng';

const dot = (x: number[], y: number[]) => x.reduce((s, xi, i) => s + xi * (y[i] ?? 0), 0);
const sub = (x: number[], y: number[]) => x.map((xi, i) => xi - (y[i] ?? 0));
const comb = (cs: readonly number[], vs: number[][]) =>
  (vs[0] as number[]).map((_, d) => cs.reduce((s, c, i) => s + c * ((vs[i] as number[])[d] ?? 0), 0));

function randomVectors(n: number, dim: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: dim }, () => rng.nextUint32() / 2 ** 32 - 0.5));
}

describe('face plane', () => {
  const [a, b, c] = randomVectors(3, 12, 7) as [number[], number[], number[]];
  const d1 = sub(b, a);
  const d2 = sub(c, a);
  const plane = planeFromGram([0, 1, 2], [dot(d1, d1), dot(d1, d2), dot(d2, d2)]);
  const { e1: c1, e2: c2 } = basisCombinations(plane);
  const e1 = comb(c1, [a, b, c]);
  const e2 = comb(c2, [a, b, c]);

  it('has an orthonormal basis: e1 along b − a, e2 in the plane', () => {
    expect(dot(e1, e1)).toBeCloseTo(1, 12);
    expect(dot(e2, e2)).toBeCloseTo(1, 12);
    expect(dot(e1, e2)).toBeCloseTo(0, 12);
    expect(dot(e1, d1)).toBeCloseTo(Math.sqrt(dot(d1, d1)), 12);
    // The reference's Gram–Schmidt: e2 ∥ d2 − (d2·d1/d1·d1)·d1.
    const r = sub(
      d2,
      d1.map((x) => (x * dot(d2, d1)) / dot(d1, d1)),
    );
    expect(dot(e2, r)).toBeCloseTo(Math.sqrt(dot(r, r)), 12);
  });

  it('puts the vertices at coordinates that reproduce them, with one-hot coefficients', () => {
    const coords = vertexCoords(plane);
    [a, b, c].forEach((vertex, i) => {
      const [u, v] = coords[i] as [number, number];
      const p = a.map((x, d) => x + u * (e1[d] ?? 0) + v * (e2[d] ?? 0));
      p.forEach((x, d) => {
        expect(x).toBeCloseTo(vertex[d] ?? NaN, 12);
      });
      faceCoefficients(plane, u, v).forEach((beta, j) => {
        expect(beta).toBeCloseTo(i === j ? 1 : 0, 12);
      });
    });
  });

  it('maps any plane point to the affine combination of the vertices that equals it', () => {
    for (const [u, v] of [
      [0.3, -0.7],
      [-2, 1.5],
      [1.1, 0.05],
    ] as const) {
      const beta = faceCoefficients(plane, u, v);
      expect(beta[0] + beta[1] + beta[2]).toBeCloseTo(1, 12);
      const p = comb(beta, [a, b, c]);
      const want = a.map((x, d) => x + u * (e1[d] ?? 0) + v * (e2[d] ?? 0));
      p.forEach((x, d) => {
        expect(x).toBeCloseTo(want[d] ?? NaN, 12);
      });
    }
    const [bu, bv] = vertexCoords(plane)[1];
    const [cu, cv] = vertexCoords(plane)[2];
    expect(isInside(faceCoefficients(plane, (bu + cu) / 3, (bv + cv) / 3))).toBe(true);
    expect(isInside(faceCoefficients(plane, -0.1, -0.1))).toBe(false);
  });

  it('refuses coincident and collinear vertices', () => {
    expect(() => planeFromGram([0, 1, 2], [0, 0, 1])).toThrow(/coincide/);
    expect(() => planeFromGram([0, 1, 2], [1, 2, 4])).toThrow(/one line/);
    expect(() => planeFromGram([0, 0, 2], [1, 0, 1])).toThrow(/three different/);
  });

  it('centres a square grid on the triangle with the margin on every side', () => {
    const axes = gridAxes(plane, 5, 0.25);
    const coords = vertexCoords(plane);
    const us = coords.map((p) => p[0]);
    const vs = coords.map((p) => p[1]);
    const span = Math.max(Math.max(...us) - Math.min(...us), Math.max(...vs) - Math.min(...vs));
    expect(axes.u).toHaveLength(5);
    expect((axes.u[4] ?? 0) - (axes.u[0] ?? 0)).toBeCloseTo(1.5 * span, 12);
    expect((axes.v[4] ?? 0) - (axes.v[0] ?? 0)).toBeCloseTo(1.5 * span, 12);
    expect(((axes.u[0] ?? 0) + (axes.u[4] ?? 0)) / 2).toBeCloseTo(
      (Math.max(...us) + Math.min(...us)) / 2,
      12,
    );
    expect(((axes.v[0] ?? 0) + (axes.v[4] ?? 0)) / 2).toBeCloseTo(
      (Math.max(...vs) + Math.min(...vs)) / 2,
      12,
    );
  });
});

describe('coarse-to-fine order', () => {
  it('visits every grid point exactly once, the sparse levels first', () => {
    for (const size of [2, 3, 5, 7, 21, 61]) {
      const levels = coarseToFineLevels(size);
      const all = levels.flat().sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: size * size }, (_, i) => i));
    }
    const levels = coarseToFineLevels(21);
    expect(levels.map((l) => l.length)).toEqual([36, 121 - 36, 441 - 121]);
  });
});
