// Pure engine: the plane through three vertices of a simplex, in plain float64 JS. Everything here
// is derived from the 2×2 Gram matrix of the face's edge vectors (weightGram.ts computes it on the
// backend), so no weight vector is ever held on the CPU.
//
// The reference's basis (simplex/surfaces.py get_basis): origin a, d1 = b − a, d2 = c − a,
// e1 = d1/|d1|, e2 = (d2 − (d2·e1)e1)/|d2 − (d2·e1)e1| (Gram–Schmidt). A plane point
// p = a + u·e1 + v·e2 is also p = a + s·d1 + t·d2, i.e. the affine combination
// (1 − s − t)·a + s·b + t·c of the three vertices, whose coefficients may be negative outside the
// triangle. Mixing the vertices with those coefficients gives p exactly.

import { StudioError } from '../../protocol/errors';

export type Face = readonly [number, number, number];
export type Point2 = readonly [number, number];

export interface FacePlane {
  /** Vertex indices (a, b, c) of the model; a is the origin. */
  face: Face;
  /** [d1·d1, d1·d2, d2·d2] with d1 = b − a, d2 = c − a over all parameters. */
  gram: readonly [number, number, number];
  /** |d1|: b's u coordinate. */
  n1: number;
  /** d2·e1: c's u coordinate. */
  cu: number;
  /** |d2 − (d2·e1)e1|: c's v coordinate (> 0). */
  cv: number;
}

/** Relative size below which c counts as lying on the line through a and b. */
const COLLINEAR = 1e-9;

export function planeFromGram(face: Face, gram: readonly [number, number, number]): FacePlane {
  const [g11, g12, g22] = gram;
  if (new Set(face).size !== 3) {
    throw new StudioError('BAD_ARGUMENT', `A face needs three different vertices, got [${face.join(', ')}].`);
  }
  if (!(g11 > 0) || !(g22 > 0)) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `Vertices of face [${face.join(', ')}] coincide, so they span no plane: pick another face.`,
    );
  }
  const n1 = Math.sqrt(g11);
  const cu = g12 / n1;
  const cv2 = g22 - cu * cu;
  if (!(cv2 > COLLINEAR * g22)) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `The vertices of face [${face.join(', ')}] lie on one line, so they span no plane: pick another face.`,
    );
  }
  return { face, gram, n1, cu, cv: Math.sqrt(cv2) };
}

/** Plane coordinates of a, b and c. */
export function vertexCoords(plane: FacePlane): [Point2, Point2, Point2] {
  return [
    [0, 0],
    [plane.n1, 0],
    [plane.cu, plane.cv],
  ];
}

/** (s, t) with a + u·e1 + v·e2 = a + s·d1 + t·d2 (e1 = d1/n1, e2 = (d2 − cu·e1)/cv). */
export function affineParams(plane: FacePlane, u: number, v: number): [number, number] {
  const t = v / plane.cv;
  const s = (u - t * plane.cu) / plane.n1;
  return [s, t];
}

/** Coefficients (β_a, β_b, β_c) = (1 − s − t, s, t), summing to 1; all ≥ 0 inside the triangle. */
export function faceCoefficients(plane: FacePlane, u: number, v: number): [number, number, number] {
  const [s, t] = affineParams(plane, u, v);
  return [1 - s - t, s, t];
}

/** One mixing coefficient per model vertex: β on the face's vertices, 0 elsewhere. */
export function modelCoefficients(plane: FacePlane, u: number, v: number, vertexCount: number): number[] {
  const beta = faceCoefficients(plane, u, v);
  const out = new Array<number>(vertexCount).fill(0);
  plane.face.forEach((vertex, i) => {
    out[vertex] = beta[i] as number;
  });
  return out;
}

/** Inside (or on) the triangle, allowing for rounding. */
export function isInside(beta: readonly number[], tolerance = 1e-9): boolean {
  return beta.every((b) => b >= -tolerance);
}

/**
 * The basis directions as combinations of the face's vertices (a, b, c), for export:
 * e1 = (b − a)/n1, e2 = (c − a)/cv − (cu/(n1·cv))·(b − a).
 */
export function basisCombinations(plane: FacePlane): {
  e1: [number, number, number];
  e2: [number, number, number];
} {
  const { n1, cu, cv } = plane;
  const k = cu / (n1 * cv);
  return {
    e1: [-1 / n1, 1 / n1, 0],
    e2: [-1 / cv + k, -k, 1 / cv],
  };
}

/** Axes of a square grid: `size` equally spaced values per axis. */
export interface GridAxes {
  u: number[];
  v: number[];
}

/**
 * A size×size grid centred on the triangle's bounding box; each axis spans the box's larger side
 * plus `margin` times that side on both ends, so the plot keeps equal scales in u and v.
 */
export function gridAxes(plane: FacePlane, size: number, margin: number): GridAxes {
  if (!Number.isInteger(size) || size < 2) {
    throw new StudioError('BAD_ARGUMENT', `A grid needs at least 2 points per side, got ${size}.`);
  }
  if (!(margin >= 0) || !Number.isFinite(margin)) {
    throw new StudioError('BAD_ARGUMENT', `The margin must be a number ≥ 0, got ${margin}.`);
  }
  const coords = vertexCoords(plane);
  const us = coords.map((p) => p[0]);
  const vs = coords.map((p) => p[1]);
  const span = Math.max(Math.max(...us) - Math.min(...us), Math.max(...vs) - Math.min(...vs));
  const half = span / 2 + margin * span;
  const axis = (lo: number, hi: number): number[] => {
    const centre = (lo + hi) / 2;
    return Array.from({ length: size }, (_, i) => centre - half + (2 * half * i) / (size - 1));
  };
  return { u: axis(Math.min(...us), Math.max(...us)), v: axis(Math.min(...vs), Math.max(...vs)) };
}

/**
 * Grid points level by level, coarse to fine: e.g. for 21×21 every 4th point of every 4th row
 * first, then every 2nd, then the rest. Strides halve from the largest power of two that leaves
 * at least 5 points per side (a readable first picture); 61×61 starts at 8. Flat index
 * j·size + i is the point (u[i], v[j]); each point appears exactly once.
 */
export function coarseToFineLevels(size: number): number[][] {
  let stride = 1;
  while (stride * 8 <= size - 1) stride *= 2;
  const seen = new Uint8Array(size * size);
  const levels: number[][] = [];
  for (; stride >= 1; stride /= 2) {
    const level: number[] = [];
    for (let j = 0; j < size; j += stride) {
      for (let i = 0; i < size; i += stride) {
        const k = j * size + i;
        if (seen[k] === 1) continue;
        seen[k] = 1;
        level.push(k);
      }
    }
    if (level.length > 0) levels.push(level);
  }
  return levels;
}
