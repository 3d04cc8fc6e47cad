// The one GEMM every convolution and dense kernel is generated from:
//   C[m, n] = Σ_{k ∈ chunk z} A(m, k) · B(k, n),   m < M, n < N, k < K,
// where A and B are WGSL functions over the op's own buffers (implicit im2col for convolutions, so
// no patch matrix is ever stored) and the epilogue `store(m, n, z, c)` fuses bias, ReLU, masks or
// split-K partials. A workgroup computes a TM×TN tile staged through workgroup memory TK deep; each
// thread holds an RM×RN register block (rows lid.y + i·TY, columns lid.x + j·TX, so neighbouring
// threads touch neighbouring columns and stores coalesce). Workgroup z takes the z-th chunk of K:
// a split-K whose partials the op reduces in a fixed order, so results are deterministic (no
// atomics). Shapes are constants of the source: one pipeline per layer shape.

import { ceilDiv } from './wgsl';

export interface GemmTile {
  tm: number;
  tn: number;
  tk: number;
  rm: number;
  rn: number;
}

export interface GemmSpec {
  m: number;
  n: number;
  k: number;
  /** Split-K: workgroup z reduces over k in [z·chunk, (z + 1)·chunk). */
  splits: number;
  tile: GemmTile;
  /** Declarations the functions below use (bindings, constants). */
  header: string;
  /** Body of `fn loadA(m: u32, k: u32) -> f32`, called only with m < M, k < K. */
  loadA: string;
  /** Body of `fn loadB(k: u32, n: u32) -> f32`, called only with k < K, n < N. */
  loadB: string;
  /** Body of `fn store(m: u32, n: u32, z: u32, c: f32)`, called only with m < M, n < N. */
  store: string;
  /** Which index is contiguous in memory for A and B, so the staging loads coalesce. */
  aContiguous: 'm' | 'k';
  bContiguous: 'k' | 'n';
}

/**
 * The tile for an M×N output. Columns: narrow layers (C_out 8–32) get a narrow tile rather than a
 * 64-wide one three quarters empty. Rows: small M (batch-1 dense layers, 2×2 maps of one image)
 * gets a short tile. 16×16 threads at most, TK = 16: 8 KiB of workgroup memory.
 */
export function gemmTile(m: number, n: number): GemmTile {
  const tn = n <= 8 ? 8 : n <= 16 ? 16 : n <= 32 ? 32 : 64;
  const tm = m <= 16 ? 16 : m <= 32 ? 32 : 64;
  return { tm, tn, tk: 16, rm: tm / 16, rn: tn === 8 ? 1 : tn === 16 ? 2 : 4 };
}

/** The K-chunk of each split: a whole number of TK steps. */
export function gemmChunk(spec: Pick<GemmSpec, 'k' | 'splits' | 'tile'>): number {
  return ceilDiv(ceilDiv(spec.k, spec.splits), spec.tile.tk) * spec.tile.tk;
}

export function gemmWorkgroups(
  spec: Pick<GemmSpec, 'm' | 'n' | 'splits' | 'tile'>,
): [number, number, number] {
  return [ceilDiv(spec.n, spec.tile.tn), ceilDiv(spec.m, spec.tile.tm), spec.splits];
}

export function gemmShader(spec: GemmSpec): string {
  const { tm, tn, tk, rm, rn } = spec.tile;
  const tx = tn / rn;
  const ty = tm / rm;
  const chunk = gemmChunk(spec);
  const aIndex =
    spec.aContiguous === 'k' ? 'let kk = e % TK; let mm = e / TK;' : 'let mm = e % TM; let kk = e / TM;';
  const bIndex =
    spec.bContiguous === 'n' ? 'let nn = e % TN; let kk = e / TN;' : 'let kk = e % TK; let nn = e / TK;';
  // The register block is unrolled into named scalars, so it lives in registers on a real GPU.
  const is = Array.from({ length: rm }, (_, i) => i);
  const js = Array.from({ length: rn }, (_, j) => j);
  const pairs = is.flatMap((i) => js.map((j) => [i, j] as const));
  const decl = pairs.map(([i, j]) => `var c${i}_${j} = 0.0;`).join(' ');
  const inner = [
    ...is.map((i) => `let a${i} = As[kk * TM + lid.y + ${i * ty}u];`),
    ...js.map((j) => `let b${j} = Bs[kk * TN + lid.x + ${j * tx}u];`),
    ...pairs.map(([i, j]) => `c${i}_${j} = fma(a${i}, b${j}, c${i}_${j});`),
  ].join('\n      ');
  const epilogue = [
    ...is.map((i) => `let row${i} = m0 + lid.y + ${i * ty}u;`),
    ...js.map((j) => `let col${j} = n0 + lid.x + ${j * tx}u;`),
    ...pairs.map(
      ([i, j]) => `if (row${i} < M && col${j} < N) { store(row${i}, col${j}, wg.z, c${i}_${j}); }`,
    ),
  ].join('\n  ');
  return `
const M = ${spec.m}u;
const N = ${spec.n}u;
const K = ${spec.k}u;
const KCHUNK = ${chunk}u;
const TM = ${tm}u;
const TN = ${tn}u;
const TK = ${tk}u;
const TX = ${tx}u;
const TY = ${ty}u;
const THREADS = ${tx * ty}u;
${spec.header}
var<workgroup> As: array<f32, ${tk * tm}>;
var<workgroup> Bs: array<f32, ${tk * tn}>;
fn loadA(m: u32, k: u32) -> f32 { ${spec.loadA} }
fn loadB(k: u32, n: u32) -> f32 { ${spec.loadB} }
fn store(m: u32, n: u32, z: u32, c: f32) { ${spec.store} }

@compute @workgroup_size(${tx}, ${ty}, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  let m0 = wg.y * TM;
  let n0 = wg.x * TN;
  let kBegin = wg.z * KCHUNK;
  let kEnd = min(kBegin + KCHUNK, K);
  ${decl}
  for (var k0 = kBegin; k0 < kEnd; k0 += TK) {
    for (var e = tid; e < TM * TK; e += THREADS) {
      ${aIndex}
      let m = m0 + mm;
      let k = k0 + kk;
      var v = 0.0;
      if (m < M && k < kEnd) { v = loadA(m, k); }
      As[kk * TM + mm] = v;
    }
    for (var e = tid; e < TN * TK; e += THREADS) {
      ${bIndex}
      let n = n0 + nn;
      let k = k0 + kk;
      var v = 0.0;
      if (n < N && k < kEnd) { v = loadB(k, n); }
      Bs[kk * TN + nn] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      ${inner}
    }
    workgroupBarrier();
  }
  ${epilogue}
}
`;
}
