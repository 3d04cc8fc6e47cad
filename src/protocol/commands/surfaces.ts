// Loss-surface commands: grids over a face's plane (streamed coarse to fine, cached), a click's
// evaluation, edge profiles and the 3-D projection of a complex. Plain data shared by page and
// worker. Grids cross as number[] (NaN where a point is not computed yet).

import { RECOMPUTED, type BatchNormChoice } from '../batchNorm';
import type { DatasetId, DatasetSplit } from './data';
import type { VertexRole } from './models';
import type { LandscapePart } from '../landscape';
import type { Curve } from '../settings';

export type SurfaceMetric = 'loss' | 'error';

/** Three vertex indices (a, b, c) of a model; a is the plane's origin. */
export type FaceIndices = [number, number, number];

/** Which images a surface is evaluated on: the first `images` of a split. */
export interface SurfaceData {
  datasetId: DatasetId;
  split: DatasetSplit;
  images: number;
  /** A batch-norm network's statistics at each point; absent: stored. Ignored without batch norm. */
  batchNorm?: BatchNormChoice;
}

export interface SurfaceSettings extends SurfaceData {
  /** Points per side of the square grid, 3…61. */
  gridSize: number;
  /** Added beyond the triangle on each side, as a fraction of its larger extent. */
  margin: number;
  /** The metric a user chose to look at (both are computed and stored). */
  metric: SurfaceMetric;
}

export const SURFACE_DEFAULTS: SurfaceSettings = {
  datasetId: 'synthetic',
  split: 'train',
  images: 256,
  gridSize: 21,
  margin: 0.2,
  metric: 'loss',
  batchNorm: RECOMPUTED,
};
export const MAX_GRID_SIZE = 61;
export const MIN_GRID_SIZE = 3;

/** The plane of a face: p(u, v) = a + u·e1 + v·e2, e1 and e2 orthonormal (Gram–Schmidt). */
export interface SurfacePlane {
  /** Vertex index of the origin a (= face[0]). */
  origin: number;
  /** e1 and e2 as coefficients on the face's vertices (a, b, c). */
  e1: [number, number, number];
  e2: [number, number, number];
  /** (u, v) of a, b, c. */
  vertexCoords: [number, number][];
  /** [|b−a|², (b−a)·(c−a), |c−a|²] over all parameters. */
  gram: [number, number, number];
}

export interface SurfaceGrid {
  /** Cache key: model, face, grid, margin, dataset, split, images, metric. */
  id: string;
  modelId: string;
  modelName: string;
  face: FaceIndices;
  /** Roles of a, b, c. */
  roles: [VertexRole, VertexRole, VertexRole];
  settings: SurfaceSettings;
  /** Images actually used (the split may hold fewer than asked). */
  imagesUsed: number;
  plane: SurfacePlane;
  u: number[];
  v: number[];
  /** Row-major gridSize²: index j·gridSize + i is the point (u[i], v[j]). NaN: not computed yet. */
  loss: number[];
  error: number[];
  /** What batch-norm statistics the points had; null for a network without batch norm. */
  batchNorm: BatchNormChoice | null;
  /** Points computed. */
  done: number;
  seconds: number;
  createdAt: number;
  /** The CLI's `surface --part I/N`: the slice of the grid's points this file holds. */
  part?: LandscapePart;
  /** A three-point curve's plane: its parametrisation, so the curve is drawn on it. */
  curve?: Curve;
}

export interface SurfaceProgress {
  grid: SurfaceGrid;
  level: number;
  levels: number;
}

export interface PointEvaluation {
  loss: number;
  accuracy: number;
  error: number;
  /** Mixing coefficients of the face's vertices (a, b, c), summing to 1. */
  barycentric: [number, number, number];
  /** Inside the triangle: all barycentric coefficients ≥ 0. */
  inside: boolean;
  imagesUsed: number;
}

export interface EdgeProfileData {
  edge: [number, number];
  /** Step t is the point (1 − t)·vertex_i + t·vertex_j; 0 and 1 are the vertices. */
  t: number[];
  loss: number[];
  error: number[];
}

export interface ComplexProjection {
  /** Per vertex, its coordinates on the first three principal directions of the vertices. */
  coords: [number, number, number][];
  /** Share of the vertices' spread along each of the three directions. */
  explained: [number, number, number];
  complex: number[][];
  roles: VertexRole[];
}

export interface SurfaceCommands {
  /**
   * The grid over a face's plane. Answered at once from the cache when the same surface was
   * computed before (unless `recompute`); otherwise streams partial grids coarse to fine and
   * stores the finished one. Cancellable.
   */
  computeSurface: {
    params: { modelId: string; face: FaceIndices; settings: SurfaceSettings; recompute?: boolean };
    result: { grid: SurfaceGrid; cached: boolean };
    progress: SurfaceProgress;
  };
  /** Loss and accuracy at plane point (u, v) of a face. */
  evaluateSurfacePoint: {
    params: { modelId: string; face: FaceIndices; u: number; v: number; data: SurfaceData };
    result: PointEvaluation;
    progress: never;
  };
  /** Loss along edges, from −extension to 1 + extension. */
  edgeProfiles: {
    params: {
      modelId: string;
      edges: [number, number][];
      pointsPerEdge: number;
      extension: number;
      data: SurfaceData;
    };
    result: { profiles: EdgeProfileData[] };
    progress: { done: number; total: number };
  };
  /** The vertices on their first three principal directions, for the 3-D view. */
  projectComplex: { params: { modelId: string }; result: ComplexProjection; progress: never };
}

/** The cache key of a surface: every input that changes its numbers (and the metric shown). */
export function surfaceKey(modelId: string, face: FaceIndices, s: SurfaceSettings): string {
  const key = [modelId, face.join(','), s.gridSize, s.margin, s.datasetId, s.split, s.images, s.metric];
  if (s.batchNorm?.statistics === 'recomputed') key.push(`bn-recomputed-${s.batchNorm.batches}`);
  return key.join('|');
}

/** Every 3-vertex subset of each simplex of a complex, each once, sorted. */
export function facesOf(complex: readonly (readonly number[])[]): FaceIndices[] {
  const seen = new Set<string>();
  const out: FaceIndices[] = [];
  for (const simplex of complex) {
    const s = [...simplex].sort((x, y) => x - y);
    for (let a = 0; a < s.length; a++) {
      for (let b = a + 1; b < s.length; b++) {
        for (let c = b + 1; c < s.length; c++) {
          const face: FaceIndices = [s[a] as number, s[b] as number, s[c] as number];
          if (seen.has(face.join())) continue;
          seen.add(face.join());
          out.push(face);
        }
      }
    }
  }
  return out;
}

/** Every pair of vertices sharing a simplex, each once, sorted. */
export function edgesOf(complex: readonly (readonly number[])[]): [number, number][] {
  const seen = new Set<string>();
  const out: [number, number][] = [];
  for (const simplex of complex) {
    const s = [...simplex].sort((x, y) => x - y);
    for (let a = 0; a < s.length; a++) {
      for (let b = a + 1; b < s.length; b++) {
        const edge: [number, number] = [s[a] as number, s[b] as number];
        if (seen.has(edge.join())) continue;
        seen.add(edge.join());
        out.push(edge);
      }
    }
  }
  return out;
}

/**
 * Coefficients (β_a, β_b, β_c) of plane point (u, v) on the face's vertices, from the vertices'
 * plane coordinates (a at the origin, b on the u axis): t = v/c_v, s = (u − t·c_u)/b_u,
 * β = (1 − s − t, s, t). The engine's planeBasis.ts computes the same from the Gram matrix; this
 * copy lets the page label exports and hovers without a round trip.
 */
export function planeBarycentric(plane: SurfacePlane, u: number, v: number): [number, number, number] {
  const bu = plane.vertexCoords[1]?.[0] ?? NaN;
  const [cu, cv] = plane.vertexCoords[2] ?? [NaN, NaN];
  const t = v / cv;
  const s = (u - t * cu) / bu;
  return [1 - s - t, s, t];
}
