// Plain math shared by the engine and the page: the curves of Garipov et al. (NeurIPS 2018, timgaripov/dnn-mode-connectivity's
// curves.py) as mixing coefficients over their K control points θ_0 … θ_{K−1} (num_bends, the two
// ends included): θ(t) = Σ_j c_j(t)·θ_j for t in [0, 1].
// - Bezier: c_j(t) = C(K−1, j)·t^j·(1 − t)^(K−1−j) (K = 3: a quadratic Bezier with one free bend);
// - PolyChain: c_j(t) = max(0, 1 − |t·(K − 1) − j|), the polygonal chain through the points in
//   order.
// The reference draws one t uniformly in [0, 1] for every batch.

import { StudioError } from './errors';
import type { Curve } from './settings';

export type { Curve };

export const CURVE_LABELS: Record<Curve, string> = { bezier: 'Bezier', polychain: 'PolyChain' };

function binomial(n: number, k: number): number {
  let b = 1;
  for (let i = 1; i <= k; i++) b = (b * (n - k + i)) / i;
  return b;
}

/** c_0(t) … c_{K−1}(t) of a curve of `bends` control points. */
export function curveCoefficients(type: Curve, bends: number, t: number): number[] {
  if (!Number.isInteger(bends) || bends < 2) {
    throw new StudioError('BAD_ARGUMENT', `A curve has at least 2 points (its ends), not ${bends}.`);
  }
  if (!(t >= 0 && t <= 1)) throw new StudioError('BAD_ARGUMENT', `A curve's t is in [0, 1], not ${t}.`);
  const n = bends - 1;
  return Array.from({ length: bends }, (_, j) =>
    type === 'bezier'
      ? binomial(n, j) * Math.pow(t, j) * Math.pow(1 - t, n - j)
      : Math.max(0, 1 - Math.abs(t * n - j)),
  );
}

/** The reference's init_linear: bend j starts at j/(K−1) of the way from the first end to the last. */
export function linearBendWeight(j: number, bends: number): number {
  return j / (bends - 1);
}
