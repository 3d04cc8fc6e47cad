// The reference's simplex "volume" from squared edge lengths, in float64 on the CPU (tfjs has no
// determinant, and float32 loses it for anything but tiny simplexes). Plain JS, no tfjs.
//
// For n vertices with squared distances D (n×n), the Cayley–Menger matrix is
//   CM = [[D, 1], [1ᵀ, 0]]   ((n+1)×(n+1)),
// and the reference's value is V = |det CM| / (((n−1)!)² · 2^(n−1)), the squared volume of the
// simplex. Its gradient comes from Jacobi's formula: ∂det/∂CM_ij = adj(CM)_ji = C_ij (the
// cofactor), which stays defined when CM is singular (a vertex at the centroid of the others).

import { StudioError } from '../../protocol/errors';

/** The ε of the reference's regulariser log(V + ε). */
export const LOG_VOLUME_EPS = 1e-4;

/** Row-major (n+1)×(n+1) Cayley–Menger matrix of an n×n squared-distance matrix. */
export function cayleyMengerMatrix(squaredDistances: ArrayLike<number>, n: number): Float64Array {
  const m = n + 1;
  const cm = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i < n && j < n) cm[i * m + j] = squaredDistances[i * n + j] ?? 0;
      else cm[i * m + j] = i === j ? 0 : 1;
    }
  }
  return cm;
}

/** det of a row-major size×size matrix by LU with partial pivoting (the input is not modified). */
export function determinant(matrix: ArrayLike<number>, size: number): number {
  const a = Float64Array.from({ length: size * size }, (_, i) => matrix[i] ?? 0);
  let det = 1;
  for (let col = 0; col < size; col++) {
    let pivot = col;
    let best = Math.abs(a[col * size + col] ?? 0);
    for (let r = col + 1; r < size; r++) {
      const v = Math.abs(a[r * size + col] ?? 0);
      if (v > best) {
        best = v;
        pivot = r;
      }
    }
    if (best === 0) return 0;
    if (pivot !== col) {
      for (let c = 0; c < size; c++) {
        const t = a[col * size + c] ?? 0;
        a[col * size + c] = a[pivot * size + c] ?? 0;
        a[pivot * size + c] = t;
      }
      det = -det;
    }
    const d = a[col * size + col] ?? 0;
    det *= d;
    for (let r = col + 1; r < size; r++) {
      const f = (a[r * size + col] ?? 0) / d;
      if (f === 0) continue;
      for (let c = col + 1; c < size; c++) {
        a[r * size + c] = (a[r * size + c] ?? 0) - f * (a[col * size + c] ?? 0);
      }
    }
  }
  return det;
}

/**
 * Cofactor matrix C (C_ij = (−1)^(i+j) · det of the minor without row i and column j), so that
 * ∂det/∂A_ij = C_ij. Built from minors rather than det·A⁻¹ so singular matrices work; the
 * matrices here are at most a dozen rows, so the O(size⁵) cost is nothing.
 */
export function cofactors(matrix: ArrayLike<number>, size: number): Float64Array {
  const out = new Float64Array(size * size);
  const minor = new Float64Array((size - 1) * (size - 1));
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let k = 0;
      for (let r = 0; r < size; r++) {
        if (r === i) continue;
        for (let c = 0; c < size; c++) {
          if (c !== j) minor[k++] = matrix[r * size + c] ?? 0;
        }
      }
      out[i * size + j] = ((i + j) % 2 === 0 ? 1 : -1) * determinant(minor, size - 1);
    }
  }
  return out;
}

/** ((n−1)!)² · 2^(n−1), the reference's normaliser for n vertices. */
export function volumeNormaliser(n: number): number {
  let factorial = 1;
  for (let i = 2; i < n; i++) factorial *= i;
  return factorial * factorial * 2 ** (n - 1);
}

/** The reference's V for n vertices given their n×n squared distances (row-major). */
export function simplexVolume(squaredDistances: ArrayLike<number>, n: number): number {
  checkCount(squaredDistances, n);
  return Math.abs(determinant(cayleyMengerMatrix(squaredDistances, n), n + 1)) / volumeNormaliser(n);
}

export interface LogVolume {
  /** V, the reference's volume (squared simplex volume). */
  volume: number;
  /** log(V + ε). */
  logVolume: number;
  /**
   * ∂log(V + ε)/∂D_ij, n×n row-major, each entry of D taken as its own variable (so a symmetric
   * perturbation of D_ij and D_ji gets the sum of both entries, as autodiff through D does).
   */
  gradient: Float64Array;
}

/**
 * log(V + ε) and its exact gradient with respect to the squared distances. With s = sign(det CM)
 * (0 when det CM is exactly 0, as PyTorch's abs backward gives):
 *   ∂log(V+ε)/∂D_ij = s · C_ij / (normaliser · (V + ε)).
 */
export function logVolumeWithGradient(squaredDistances: ArrayLike<number>, n: number): LogVolume {
  checkCount(squaredDistances, n);
  const m = n + 1;
  const cm = cayleyMengerMatrix(squaredDistances, n);
  const det = determinant(cm, m);
  const norm = volumeNormaliser(n);
  const volume = Math.abs(det) / norm;
  const scale = Math.sign(det) / (norm * (volume + LOG_VOLUME_EPS));
  const c = cofactors(cm, m);
  const gradient = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) gradient[i * n + j] = scale * (c[i * m + j] ?? 0);
  }
  return { volume, logVolume: Math.log(volume + LOG_VOLUME_EPS), gradient };
}

function checkCount(squaredDistances: ArrayLike<number>, n: number): void {
  if (!Number.isInteger(n) || n < 1 || squaredDistances.length !== n * n) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `A volume needs an ${n}×${n} squared-distance matrix (n ≥ 1); got ${squaredDistances.length} values.`,
    );
  }
}
