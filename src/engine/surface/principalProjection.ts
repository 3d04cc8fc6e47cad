// Pure engine, plain float64 JS: the vertices of a complex projected on their first principal
// directions, from the small k×k Gram matrix K = C·Cᵀ of the centred vertices C (weightGram.ts).
// With K = Q·Λ·Qᵀ, vertex i's coordinate on direction r is Q[i][r]·√λ_r; that is the projection
// of the centred vertex on the r-th principal direction, and with rank ≤ 3 (k ≤ 4 vertices) it
// keeps every pairwise distance.

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: number[];
  /** vectors[i][r]: component i of the eigenvector of values[r]. */
  vectors: number[][];
}

/** Cyclic Jacobi rotations until the off-diagonal part vanishes: exact enough for k ≤ ~50. */
export function symmetricEigen(matrix: readonly (readonly number[])[]): SymmetricEigen {
  const n = matrix.length;
  const a = matrix.map((row) => [...row]);
  const q = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  const at = (m: number[][], i: number, j: number): number => (m[i] as number[])[j] as number;
  const set = (m: number[][], i: number, j: number, v: number): void => {
    (m[i] as number[])[j] = v;
  };
  const scale = Math.max(1e-300, ...a.map((row, i) => Math.abs(row[i] as number)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += at(a, i, j) ** 2;
    if (off <= (1e-30 * scale) ** 2) break;
    for (let p = 0; p < n; p++) {
      for (let r = p + 1; r < n; r++) {
        const apr = at(a, p, r);
        if (apr === 0) continue;
        // Rotation angle that zeroes a[p][r]: tan 2θ = 2a_pr / (a_rr − a_pp).
        const theta = (at(a, r, r) - at(a, p, p)) / (2 * apr);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = at(a, k, p);
          const akr = at(a, k, r);
          set(a, k, p, c * akp - s * akr);
          set(a, k, r, s * akp + c * akr);
        }
        for (let k = 0; k < n; k++) {
          const apk = at(a, p, k);
          const ark = at(a, r, k);
          set(a, p, k, c * apk - s * ark);
          set(a, r, k, s * apk + c * ark);
        }
        for (let k = 0; k < n; k++) {
          const qkp = at(q, k, p);
          const qkr = at(q, k, r);
          set(q, k, p, c * qkp - s * qkr);
          set(q, k, r, s * qkp + c * qkr);
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => at(a, y, y) - at(a, x, x));
  return {
    values: order.map((i) => at(a, i, i)),
    vectors: q.map((row) => order.map((i) => row[i] as number)),
  };
}

export interface Projection {
  /** Per vertex, its coordinates on the first `dims` principal directions (0 past the rank). */
  coords: number[][];
  /** Share of the total squared spread along each direction. */
  explained: number[];
}

/** Projects k vertices given K (centred Gram) on `dims` principal directions. */
export function projectFromCentredGram(gram: readonly (readonly number[])[], dims = 3): Projection {
  const { values, vectors } = symmetricEigen(gram);
  const total = values.reduce((s, v) => s + Math.max(0, v), 0);
  const explained = Array.from({ length: dims }, (_, r) => {
    const v = values[r] ?? 0;
    return total > 0 ? Math.max(0, v) / total : 0;
  });
  const coords = vectors.map((row) =>
    Array.from({ length: dims }, (_, r) => {
      const lambda = values[r] ?? 0;
      return lambda > 0 ? (row[r] ?? 0) * Math.sqrt(lambda) : 0;
    }),
  );
  return { coords, explained };
}
