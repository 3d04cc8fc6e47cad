// Where `eval` evaluates a model: the flags --coeffs / --vertex / --samples turned into a point,
// checked against the file's vertex count before any data is read. Pure: no tfjs, no files.

import type { ModelFile } from '../engine/formats/stateDict';
import { curveCoefficients } from '../protocol/curve';
import { badArgument, intFlag, numberList, stringFlag, type Parsed } from './args';

/** |Σ coefficients − 1| allowed, for coefficients typed with a few digits. */
export const COEFFICIENT_SUM_TOLERANCE = 1e-6;

/** Most points per simplex for --samples: the paper uses 25; each costs a pass over the data. */
export const MAX_SAMPLES = 1000;

export type PointRequest =
  | { kind: 'default' }
  | { kind: 'coefficients'; coefficients: number[] }
  | { kind: 'vertex'; vertex: number }
  | { kind: 'samples'; samplesPerSimplex: number; seed: number }
  | { kind: 'curve'; t: number };

export type ResolvedPoint =
  | { kind: 'vertex'; vertex: number }
  /** `centroid` when the CLI chose it (the default for several vertices), else `coefficients`. */
  | { kind: 'coefficients' | 'centroid'; coefficients: number[] }
  | { kind: 'samples'; samplesPerSimplex: number; seed: number; simplexes: number }
  /** θ(t) of a curve file. */
  | { kind: 'curve'; t: number; coefficients: number[] };

export function pointRequest(values: Parsed['values']): PointRequest {
  const given = (['coeffs', 'vertex', 'samples', 't'] as const).filter((f) => values[f] !== undefined);
  if (given.length > 1)
    throw badArgument(
      `give at most one of --coeffs, --vertex, --samples, --t (got ${given.map((f) => `--${f}`).join(', ')})`,
    );
  const t = stringFlag(values, 't');
  if (t !== undefined) {
    const value = Number(t);
    if (t.trim() === '' || !(value >= 0 && value <= 1))
      throw badArgument(`--t must be a number from 0 to 1, not "${t}"`);
    return { kind: 'curve', t: value };
  }
  const seed = intFlag(values, 'seed', 0);
  if (seed !== undefined && values.samples === undefined)
    throw badArgument('--seed only applies with --samples');
  const coeffs = stringFlag(values, 'coeffs');
  if (coeffs !== undefined) return { kind: 'coefficients', coefficients: numberList('coeffs', coeffs) };
  const vertex = intFlag(values, 'vertex', 0);
  if (vertex !== undefined) return { kind: 'vertex', vertex };
  const samples = intFlag(values, 'samples', 1, MAX_SAMPLES);
  if (samples !== undefined) return { kind: 'samples', samplesPerSimplex: samples, seed: seed ?? 0 };
  return { kind: 'default' };
}

/** The request checked against the file: throws BAD_ARGUMENT naming the flag and the vertex count. */
export function resolvePoint(
  request: PointRequest,
  model: Pick<ModelFile, 'vertices' | 'info'>,
): ResolvedPoint {
  const k = model.vertices.length;
  const vertices = `${k} ${k === 1 ? 'vertex' : 'vertices'}`;
  switch (request.kind) {
    case 'default': {
      if (k === 1) return { kind: 'vertex', vertex: 0 };
      const simplex = model.info.complex[0] ?? [];
      const coefficients = new Array<number>(k).fill(0);
      for (const v of simplex) coefficients[v] = 1 / simplex.length;
      return { kind: 'centroid', coefficients };
    }
    case 'coefficients': {
      const { coefficients } = request;
      if (coefficients.length !== k) {
        throw badArgument(`--coeffs has ${coefficients.length} values but the file has ${vertices}`);
      }
      const sum = coefficients.reduce((s, c) => s + c, 0);
      if (Math.abs(sum - 1) > COEFFICIENT_SUM_TOLERANCE) {
        throw badArgument(`--coeffs sum to ${sum}, not 1 (tolerance ${COEFFICIENT_SUM_TOLERANCE})`);
      }
      return { kind: 'coefficients', coefficients };
    }
    case 'vertex':
      if (request.vertex >= k) {
        throw badArgument(
          `--vertex ${request.vertex} is out of range: the file has ${vertices} (0…${k - 1})`,
        );
      }
      return request;
    case 'samples':
      return { ...request, simplexes: model.info.complex.length };
    case 'curve': {
      const curve = model.info.curve;
      if (!curve) {
        throw badArgument(
          `--t evaluates a curve, and the file's metadata names none (a curve the studio wrote has "curve": {"type", "num_bends"}); give --coeffs for a point of a simplex`,
        );
      }
      return { kind: 'curve', t: request.t, coefficients: curveCoefficients(curve, k, request.t) };
    }
  }
}
