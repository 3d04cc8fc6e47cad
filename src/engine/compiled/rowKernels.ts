// The compiled step's row kernels over the flat buffers (flatLayout.ts): mixing the k vertices at
// every draw's coefficients, SGD of all vertices, and the volume's squared distances, each ONE
// dispatch for the whole model, where the tfjs path runs one or two per parameter. The math is
// the definition in engine/simplex/rowKernels.ts; per-step numbers come from the step's uniform
// buffer (stepUniforms.ts), shapes and the vertex pairs are WGSL constants. No atomics: every
// output element has one writer, so a run repeats bit for bit. Runs in the worker and on Dawn.

import type { Binding, Dispatch, KernelContext } from './kernels/types';
import { dispatch } from './kernels/wgsl';
import type { StageShape, UniformLayout } from './stepUniforms';

/** Threads per workgroup of the row kernels. */
const WORKGROUP = 256;

/**
 * At most this many elements of a row per column of the distance sums: a thread per (pair,
 * column) then loops a few hundred times even for a width-1 VGG16 (15 million weights).
 */
export const DISTANCE_SPAN = 256;

export interface RowBuffers {
  /** k rows: the vertices, updated in place by SGD. */
  vertices: Binding;
  /** k rows: the momentum buffers (zeros before the first step), updated in place; unused without momentum. */
  momentum: Binding;
  /** S rows: each draw's mixed weights. */
  mixed: Binding;
  /** S rows: ∂loss/∂ each draw's mixed weights, as the backward pass leaves them. */
  grads: Binding;
}

/** Columns of the distance sums for rows of `rowFloats` words. */
export function distanceColumns(rowFloats: number): number {
  return Math.max(1, Math.ceil(rowFloats / DISTANCE_SPAN));
}

/** Bytes of the distance sums: one f32 per (pair, column). */
export function distanceSumsBytes(rowFloats: number, pairs: number): number {
  return Math.max(16, pairs * distanceColumns(rowFloats) * 4);
}

/** workgroups for `threads` threads, folded into y past the per-dimension limit. */
function grid(ctx: KernelContext, threads: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(threads / WORKGROUP));
  const limit = ctx.device.limits.maxComputeWorkgroupsPerDimension;
  const y = Math.ceil(groups / limit);
  return [Math.ceil(groups / y), y, 1];
}

const HEADER = (uniformWords: number): string => `
@group(0) @binding(0) var<uniform> uni: array<vec4<u32>, ${uniformWords / 4}>;
fn uf(w: u32) -> f32 { return bitcast<f32>(uni[w / 4u][w % 4u]); }
`;

/** The flat thread index of a 1-D grid folded into x and y, and the row kernels' entry point. */
const ENTRY = `
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let i = gid.x + gid.y * groups.x * ${WORKGROUP}u;`;

/** mixed[s, i] = Σ_r coefficients[s, r] · vertices[r, i] for every draw s and word i of a row. */
export function buildMix(
  ctx: KernelContext,
  shape: StageShape & { rowFloats: number },
  layout: UniformLayout,
  buffers: Pick<RowBuffers, 'vertices' | 'mixed'>,
): Dispatch {
  const { rows: k, draws, rowFloats: n } = shape;
  const code = `${HEADER(layout.words)}
@group(0) @binding(1) var<storage, read> V: array<f32>;
@group(0) @binding(2) var<storage, read_write> M: array<f32>;
${ENTRY}
  if (i >= ${n}u) { return; }
  for (var s = 0u; s < ${draws}u; s++) {
    var m = 0.0;
    for (var r = 0u; r < ${k}u; r++) {
      m = m + uf(${layout.coefficients}u + s * ${k}u + r) * V[r * ${n}u + i];
    }
    M[s * ${n}u + i] = m;
  }
}`;
  return dispatch(ctx, 'mix rows', code, [ctx.uniforms, buffers.vertices, buffers.mixed], grid(ctx, n));
}

/**
 * One SGD step of every trainable vertex, in place (rowKernels.ts's direction and apply):
 *   g = wd·V[r,i] + Σ_s W[s,r]·G[s,i] + Σ_j A[r,j]·V[j,i];  B[r,i] = μ·B[r,i] + g;  V[r,i] −= lr·B[r,i]
 * A thread owns word i of every row, and reads all k vertices before writing any, since the pull
 * A mixes them. Frozen rows keep their weights and buffers. Without momentum B is not touched.
 */
export function buildSgd(
  ctx: KernelContext,
  shape: StageShape & { rowFloats: number; momentum: boolean },
  layout: UniformLayout,
  buffers: RowBuffers,
): Dispatch {
  const { rows: k, draws, rowFloats: n } = shape;
  const pull = shape.pull
    ? `
      for (var j = 0u; j < ${k}u; j++) { g = g + uf(${layout.pull}u + r * ${k}u + j) * v[j]; }`
    : '';
  const step = shape.momentum
    ? `
      let b = uf(${layout.momentum}u) * B[r * ${n}u + i] + g;
      B[r * ${n}u + i] = b;
      V[r * ${n}u + i] = v[r] - lr * b;`
    : `
      V[r * ${n}u + i] = v[r] - lr * g;`;
  const code = `${HEADER(layout.words)}
@group(0) @binding(1) var<storage, read_write> V: array<f32>;
@group(0) @binding(2) var<storage, read> G: array<f32>;
${shape.momentum ? '@group(0) @binding(3) var<storage, read_write> B: array<f32>;' : ''}
${ENTRY}
  if (i >= ${n}u) { return; }
  var v: array<f32, ${k}>;
  for (var r = 0u; r < ${k}u; r++) { v[r] = V[r * ${n}u + i]; }
  let lr = uf(${layout.lr}u);
  let wd = uf(${layout.weightDecay}u);
  for (var r = 0u; r < ${k}u; r++) {
    if (uf(${layout.trainable}u + r) < 0.5) { continue; }
    var g = wd * v[r];
    for (var s = 0u; s < ${draws}u; s++) {
      g = g + uf(${layout.rowWeights}u + s * ${k}u + r) * G[s * ${n}u + i];
    }${pull}${step}
  }
}`;
  return dispatch(
    ctx,
    'sgd rows',
    code,
    shape.momentum
      ? [ctx.uniforms, buffers.vertices, buffers.grads, buffers.momentum]
      : [ctx.uniforms, buffers.vertices, buffers.grads],
    grid(ctx, n),
  );
}

/**
 * sums[p, c] = Σ_{i ≡ c mod columns} (V[a_p, i] − V[b_p, i])² over a whole row: the volume's
 * squared distances as partial sums, which the reader adds up in float64 (a few thousand numbers,
 * read when the volume is measured).
 */
export function buildDistances(
  ctx: KernelContext,
  shape: { rowFloats: number },
  pairs: readonly (readonly [number, number])[],
  vertices: Binding,
  sums: Binding,
): Dispatch {
  const n = shape.rowFloats;
  const columns = distanceColumns(n);
  const count = Math.max(1, pairs.length);
  const a = pairs.map(([x]) => `${x}u`).join(', ') || '0u';
  const b = pairs.map(([, y]) => `${y}u`).join(', ') || '0u';
  const code = `
@group(0) @binding(0) var<storage, read> V: array<f32>;
@group(0) @binding(1) var<storage, read_write> S: array<f32>;
const A = array<u32, ${count}>(${a});
const B = array<u32, ${count}>(${b});
${ENTRY}
  if (i >= ${pairs.length * columns}u) { return; }
  let p = i / ${columns}u;
  let c = i - p * ${columns}u;
  let ra = A[p] * ${n}u;
  let rb = B[p] * ${n}u;
  var s = 0.0;
  for (var e = c; e < ${n}u; e += ${columns}u) {
    let d = V[ra + e] - V[rb + e];
    s = s + d * d;
  }
  S[i] = s;
}`;
  return dispatch(ctx, 'row distances', code, [vertices, sums], grid(ctx, pairs.length * columns));
}

/** The pairs' squared distances in float64 from buildDistances' sums as read back. */
export function sumDistances(sums: Float32Array, pairs: number, rowFloats: number): Float64Array {
  const columns = distanceColumns(rowFloats);
  const out = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    let s = 0;
    for (let c = 0; c < columns; c++) s += sums[p * columns + c] as number;
    out[p] = s;
  }
  return out;
}
