// Pure engine: the plane of a training path, as loss-landscape's setup_PCA_directions and
// project_trajectory draw it (Li et al. 2018, Fig. 9). The path is the model's weights θ_i kept
// at each epoch; with θ_f the final ones, each snapshot's difference D_i = θ_i − θ_f (biases and
// batch-norm parameters zeroed where ignored) is a sample; the plane's directions are the first
// two principal components of those samples (centred, as scikit-learn's PCA fits them), and a
// snapshot's coordinates are its projections D_i·pc_k (the components are unit vectors).
//
// Everything comes from the n×n Gram matrix R_ij = D_i·D_j in float64: the centred Gram is
// G = R − r̄_i − r̄_j + r̄̄, its eigenvectors a_k (Jacobi) give pc_k = Σ_i w_ki·θ_i with
// w_k = (a_k − mean(a_k))/√λ_k (the weights sum to 0, so θ_f drops out), the explained variance
// ratio is λ_k/trace(G), and the coordinates are R·w_k. Signs follow scikit-learn's svd_flip:
// the snapshot with the largest |a_k| entry gets a positive coordinate.

import { StudioError } from '../../protocol/errors';
import type { ParamSpec } from '../../protocol/network';
import type { TfLayout, TfVertex } from '../formats/layout';
import { difference, dot, isBiasOrNorm } from './directions';

export interface PathPlane {
  /** The two principal directions, unit vectors in the model's shapes. */
  directions: [TfLayout[], TfLayout[]];
  /** scikit-learn's explained_variance_ratio_ of the two. */
  explained: [number, number];
  /** Each snapshot's coordinates on the plane (the final one is (0, 0) when it is in the path). */
  x: number[];
  y: number[];
}

/** Relative eigenvalue below which the path spans less than a plane. */
const FLAT = 1e-12;

export function pathPlane(
  params: readonly ParamSpec[],
  path: readonly TfVertex[],
  final: TfVertex,
  ignoreBiasBn: boolean,
): PathPlane {
  const n = path.length;
  if (n < 3) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `A training path's plane needs the weights of at least 3 epochs; this run kept ${n}. Train with "keep the weights of each epoch" on, for 3 epochs or more.`,
    );
  }
  const diffs = path.map((theta) => {
    const d = difference(theta, final);
    if (ignoreBiasBn) params.forEach((p, i) => isBiasOrNorm(p) && (d[i] as TfLayout).fill(0));
    return d;
  });
  const raw = diffs.map((a, i) => diffs.map((b, j) => (j < i ? 0 : dot(a, b))));
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) (raw[i] as number[])[j] = raw[j]?.[i] as number;
  const rowMean = raw.map((row) => row.reduce((s, x) => s + x, 0) / n);
  const allMean = rowMean.reduce((s, x) => s + x, 0) / n;
  const centred = raw.map((row, i) =>
    row.map((x, j) => x - (rowMean[i] as number) - (rowMean[j] as number) + allMean),
  );
  const { values, vectors } = symmetricEigen(centred);
  const total = values.reduce((s, x) => s + Math.max(x, 0), 0);
  const order = values.map((_, k) => k).sort((a, b) => (values[b] as number) - (values[a] as number));
  const [k1, k2] = order as [number, number];
  const l1 = values[k1] as number;
  const l2 = values[k2] as number;
  if (!(l2 > FLAT * total) || !(total > 0)) {
    throw new StudioError(
      'BAD_ARGUMENT',
      'The training path lies on a line (or a point): its snapshots span no plane.',
    );
  }
  const component = (k: number, lambda: number) => {
    const a = vectors.map((row) => row[k] as number);
    // svd_flip: the largest |a_i| positive.
    const largest = a.reduce((best, x, i) => (Math.abs(x) > Math.abs(a[best] as number) ? i : best), 0);
    const sign = (a[largest] as number) < 0 ? -1 : 1;
    const mean = a.reduce((s, x) => s + x, 0) / n;
    const w = a.map((x) => (sign * (x - mean)) / Math.sqrt(lambda));
    const direction = params.map((p) => new Float32Array(p.size) as TfLayout);
    diffs.forEach((d, i) => {
      const wi = w[i] as number;
      d.forEach((x, j) => {
        const out = direction[j] as TfLayout;
        for (let e = 0; e < x.length; e++) out[e] = (out[e] as number) + wi * (x[e] as number);
      });
    });
    const coords = raw.map((row) => row.reduce((s, r, j) => s + r * (w[j] as number), 0));
    return { direction, coords };
  };
  const first = component(k1, l1);
  const second = component(k2, l2);
  return {
    directions: [first.direction, second.direction],
    explained: [l1 / total, l2 / total],
    x: first.coords,
    y: second.coords,
  };
}

/** Eigenvalues and eigenvectors (columns of `vectors`) of a small symmetric matrix, by cyclic Jacobi. */
export function symmetricEigen(matrix: readonly (readonly number[])[]): {
  values: number[];
  vectors: number[][];
} {
  const n = matrix.length;
  const a = matrix.map((row) => [...row]);
  const v = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  const at = (m: number[][], i: number, j: number) => (m[i] as number[])[j] as number;
  const set = (m: number[][], i: number, j: number, x: number) => ((m[i] as number[])[j] = x);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    let diag = 0;
    for (let i = 0; i < n; i++) {
      diag += at(a, i, i) ** 2;
      for (let j = i + 1; j < n; j++) off += at(a, i, j) ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = at(a, p, q);
        if (apq === 0) continue;
        const theta = (at(a, q, q) - at(a, p, p)) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = at(a, k, p);
          const akq = at(a, k, q);
          set(a, k, p, c * akp - s * akq);
          set(a, k, q, s * akp + c * akq);
        }
        for (let k = 0; k < n; k++) {
          const apk = at(a, p, k);
          const aqk = at(a, q, k);
          set(a, p, k, c * apk - s * aqk);
          set(a, q, k, s * apk + c * aqk);
        }
        for (let k = 0; k < n; k++) {
          const vkp = at(v, k, p);
          const vkq = at(v, k, q);
          set(v, k, p, c * vkp - s * vkq);
          set(v, k, q, s * vkp + c * vkq);
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i] as number), vectors: v };
}
