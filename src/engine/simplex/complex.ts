// A simplicial complex as plain data: simplexes are lists of indices into a shared vertex list
// (e.g. [[0,3,4],[1,3,4],[2,3,4]]: modes 0,1,2 joined through connectors 3,4). No tfjs, so the
// settings, the UI's forms and the file metadata can use it.

import { StudioError } from '../../protocol/errors';
import type { Rng } from '../util/rng';

export type Complex = readonly (readonly number[])[];

/** Throws BAD_SETTINGS unless every simplex is a non-empty set of distinct valid vertex indices. */
export function validateComplex(complex: Complex, vertexCount: number): void {
  if (complex.length === 0) {
    throw new StudioError('BAD_SETTINGS', 'The complex has no simplexes; give at least one, e.g. [[0]].');
  }
  complex.forEach((simplex, s) => {
    if (simplex.length === 0) {
      throw new StudioError('BAD_SETTINGS', `Simplex ${s} of the complex has no vertices.`);
    }
    for (const v of simplex) {
      if (!Number.isInteger(v) || v < 0 || v >= vertexCount) {
        throw new StudioError(
          'BAD_SETTINGS',
          `Simplex ${s} names vertex ${v}, but there are only ${vertexCount} (0…${vertexCount - 1}).`,
        );
      }
    }
    if (new Set(simplex).size !== simplex.length) {
      throw new StudioError('BAD_SETTINGS', `Simplex ${s} lists a vertex twice: [${simplex.join(', ')}].`);
    }
  });
}

/** The whole vertex list as one simplex: the reference's default complex. */
export function singleSimplex(vertexCount: number): number[][] {
  return [Array.from({ length: vertexCount }, (_, i) => i)];
}

/**
 * One draw of mixing coefficients, one per vertex: a simplex picked uniformly (as the reference's
 * SimplexNet.vertex_weights), Dirichlet(1,…,1) over its vertices, 0 elsewhere.
 */
export function sampleCoefficients(complex: Complex, vertexCount: number, rng: Rng): number[] {
  const simplex = complex[rng.int(complex.length)] ?? [];
  const weights = rng.dirichlet1(simplex.length);
  const coeffs = new Array<number>(vertexCount).fill(0);
  simplex.forEach((v, i) => (coeffs[v] = weights[i] ?? 0));
  return coeffs;
}

/** Sorted union of the vertices of the given simplexes. */
export function verticesOf(complex: Complex, simplexIndices: readonly number[]): number[] {
  const set = new Set<number>();
  for (const s of simplexIndices) {
    const simplex = complex[s];
    if (!simplex) {
      throw new StudioError(
        'BAD_SETTINGS',
        `There is no simplex ${s}; the complex has ${complex.length} (0…${complex.length - 1}).`,
      );
    }
    simplex.forEach((v) => set.add(v));
  }
  return [...set].sort((a, b) => a - b);
}

/** The complex after appending vertex `newVertex` to each of the simplexes `joins`. */
export function withVertexJoined(complex: Complex, newVertex: number, joins: readonly number[]): number[][] {
  verticesOf(complex, joins);
  return complex.map((simplex, s) => (joins.includes(s) ? [...simplex, newVertex] : [...simplex]));
}
