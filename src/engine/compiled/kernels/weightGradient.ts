// The weight gradient of a layer whose output gradient is dZ [R, C] (R = N·H·W rows for a conv,
// N for a dense layer) and whose input rows are A [R, K] (im2col patches, or the dense input):
//   dW[k, c] = Σ_r A[r, k] · dZ[r, c],   db[c] = Σ_r dZ[r, c]   (row k = K of A is all ones),
// one GEMM with the bias gradient as an extra row. R is the long side (131,072 for the first conv
// at batch 128), so it is split into a fixed number of chunks: pass 1 writes each chunk's partial
// sums to scratch, pass 2 adds them up in chunk order (a single chunk writes the gradients
// directly, in one pass). No atomics: the same inputs give the same
// bits on every run, which a resumed run's bit-equality needs.

import type { Binding, Dispatch, KernelContext } from './types';
import { gemmShader, gemmTile, gemmWorkgroups, type GemmSpec } from './gemm';
import { ceilDiv, dispatch, need, storage, uniformsDecl } from './wgsl';

export interface WeightGradientShape {
  /** Reduction length: the rows of A and dZ. */
  rows: number;
  /** Weight rows (fan-in). */
  k: number;
  /** Outputs (C_out). */
  c: number;
}

/** A chunk of rows is at least this long, so each split's tile loop is not mostly start-up. */
const MIN_CHUNK = 256;
/** Enough workgroups to fill a large GPU (an H200 has 132 SMs) before splitting further stops paying. */
const TARGET_WORKGROUPS = 512;

/** The number of chunks R is cut into: a function of the shape only, so results never vary. */
export function weightGradientSplits(shape: WeightGradientShape): number {
  const tile = gemmTile(shape.k + 1, shape.c);
  const tiles = ceilDiv(shape.k + 1, tile.tm) * ceilDiv(shape.c, tile.tn);
  const wanted = ceilDiv(TARGET_WORKGROUPS, tiles);
  return Math.max(1, Math.min(wanted, Math.floor(shape.rows / MIN_CHUNK)));
}

/** Bytes of the partial sums: one [K + 1, C] block per chunk (none for a single chunk). */
export function weightGradientScratchBytes(shape: WeightGradientShape): number {
  const splits = weightGradientSplits(shape);
  return splits === 1 ? 0 : splits * (shape.k + 1) * shape.c * 4;
}

export interface WeightGradientBindings {
  dz: Binding;
  dWeight: Binding;
  dBias: Binding;
  scratch: Binding;
}

export interface WeightGradientOptions {
  /** Add to dWeight/dBias instead of overwriting them (gradients summed over draws). */
  accumulate?: boolean;
}

/** How A is read: `body` of `fn loadInput(r: u32, k: u32) -> f32` over the buffer `src` (called
 *  with r < R, k < K), and any `helpers` it calls. */
export interface InputReader {
  helpers: string;
  body: string;
  /** The helpers read the step's uniforms (uniformU32/uniformF32). */
  uniforms?: boolean;
}

/** The two passes; `input` is the binding A is read from. */
export function buildWeightGradient(
  ctx: KernelContext,
  label: string,
  shape: WeightGradientShape,
  input: Binding,
  loadInput: InputReader,
  b: WeightGradientBindings,
  options: WeightGradientOptions = {},
): Dispatch[] {
  const { rows, k, c } = shape;
  const splits = weightGradientSplits(shape);
  need(`${label} dZ`, b.dz, rows * c);
  need(`${label} dWeight`, b.dWeight, k * c);
  need(`${label} dBias`, b.dBias, c);
  if (splits > 1) need(`${label} scratch`, b.scratch, splits * (k + 1) * c);
  // A and dZ at bindings 0 and 1, then the outputs, then the uniforms where the reader needs them.
  const header = (outputs: string[]) => `${storage(0, 'src', 'read')}
${storage(1, 'dz', 'read')}
${outputs.join('\n')}
${loadInput.uniforms ? uniformsDecl(2 + outputs.length, ctx.uniforms) : ''}
const KIN = ${k}u;
${loadInput.helpers}
fn loadInput(r: u32, k: u32) -> f32 { ${loadInput.body} }`;
  // GEMM rows are the weight rows (plus the bias row), columns C_out, reduction over R.
  const spec: GemmSpec = {
    m: k + 1,
    n: c,
    k: rows,
    splits,
    tile: gemmTile(k + 1, c),
    header: header([storage(2, 'partial', 'read_write')]),
    loadA: 'if (m == KIN) { return 1.0; } return loadInput(k, m);',
    loadB: 'return dz[k * N + n];',
    store: 'partial[(z * M + m) * N + n] = c;',
    aContiguous: 'm',
    bContiguous: 'n',
  };
  const add = options.accumulate ? '+' : '';
  const uniforms = loadInput.uniforms ? [ctx.uniforms] : [];
  if (splits === 1) {
    // One chunk: the GEMM writes the gradients itself, no partials and no second pass.
    const direct: GemmSpec = {
      ...spec,
      header: header([storage(2, 'dW', 'read_write'), storage(3, 'db', 'read_write')]),
      store: `if (m == KIN) { db[n] ${add}= c; } else { dW[m * N + n] ${add}= c; }`,
    };
    return [
      dispatch(
        ctx,
        label,
        gemmShader(direct),
        [input, b.dz, b.dWeight, b.dBias, ...uniforms],
        gemmWorkgroups(direct),
      ),
    ];
  }
  const reduce = `
${storage(0, 'partial', 'read')}
${storage(1, 'dW', 'read_write')}
${storage(2, 'db', 'read_write')}
const SPLITS = ${splits}u;
const WEIGHTS = ${k * c}u;
const TOTAL = ${(k + 1) * c}u;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= TOTAL) { return; }
  var s = 0.0;
  for (var z = 0u; z < SPLITS; z++) { s += partial[z * TOTAL + i]; }
  if (i < WEIGHTS) { dW[i] ${add}= s; } else { db[i - WEIGHTS] ${add}= s; }
}
`;
  return [
    dispatch(
      ctx,
      `${label} partials`,
      gemmShader(spec),
      [input, b.dz, b.scratch, ...uniforms],
      gemmWorkgroups(spec),
    ),
    dispatch(
      ctx,
      `${label} reduce`,
      reduce,
      [b.scratch, b.dWeight, b.dBias],
      [ceilDiv((k + 1) * c, 256), 1, 1],
    ),
  ];
}
