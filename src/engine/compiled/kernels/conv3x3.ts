// Conv 3×3, stride 1, padding 1 (the VGG's only conv) as implicit GEMMs over NHWC activations and
// HWIO weights [3, 3, Cin, Cout], the batch folded into the rows (M = N·H·W), so the 4×4 and 2×2
// maps of the last blocks fill tiles from the batch rather than from one image:
//   forward      y[m, co]  = ReLU(b[co] + Σ_{ky,kx,ci} x[p(m) + (ky−1, kx−1), ci] · W[ky, kx, ci, co])
//   input grad   dx[m, ci] = [mask[m, ci] > 0] · Σ_{ky,kx,co} dy[p(m) + (ky−1, kx−1), co] · W[2−ky, 2−kx, ci, co]
//                (the forward GEMM over the flipped filter; mask is this conv's input, the previous
//                layer's ReLU output, so its ReLU gradient is fused)
//   filter grad  dW[ky, kx, ci, co] = Σ_m x[p(m) + (ky−1, kx−1), ci] · dy[m, co],  db[co] = Σ_m dy[m, co]
//                (weightGradient.ts: fixed split-K, deterministic)
// where p(m) is row m's (image, y, x) and pixels outside the map read as 0. The reduction index
// k = (ky·3 + kx)·C + c makes HWIO weights a plain [9·Cin, Cout] matrix.

import type { Binding, Dispatch, KernelContext } from './types';
import { gemmShader, gemmTile, gemmWorkgroups, type GemmSpec } from './gemm';
import {
  buildWeightGradient,
  weightGradientScratchBytes,
  type WeightGradientOptions,
} from './weightGradient';
import { dispatch, need, storage } from './wgsl';

export interface Conv3x3Shape {
  /** Batch. */
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
}

/** `fn im2col_<name>(m, k)`: the patch element of row m, reduction index k over a C-channel map. */
function im2col(name: string, buffer: string, s: Conv3x3Shape, channels: number): string {
  return `fn im2col_${name}(m: u32, k: u32) -> f32 {
  let c = k % ${channels}u;
  let t = k / ${channels}u;
  let px = i32(m % ${s.w}u) + i32(t % 3u) - 1;
  let r = m / ${s.w}u;
  let py = i32(r % ${s.h}u) + i32(t / 3u) - 1;
  if (px < 0 || px >= ${s.w} || py < 0 || py >= ${s.h}) { return 0.0; }
  return ${buffer}[((r / ${s.h}u * ${s.h}u + u32(py)) * ${s.w}u + u32(px)) * ${channels}u + c];
}`;
}

function rows(s: Conv3x3Shape): number {
  return s.n * s.h * s.w;
}

export interface Conv3x3ForwardBindings {
  x: Binding;
  weight: Binding;
  bias: Binding;
  y: Binding;
}

export function buildConv3x3Forward(
  ctx: KernelContext,
  s: Conv3x3Shape,
  b: Conv3x3ForwardBindings,
  options: { relu?: boolean } = {},
): Dispatch[] {
  const label = `conv3x3 forward ${s.n}×${s.h}×${s.w}×${s.cin}→${s.cout}`;
  need(`${label} x`, b.x, rows(s) * s.cin);
  need(`${label} weight`, b.weight, 9 * s.cin * s.cout);
  need(`${label} bias`, b.bias, s.cout);
  need(`${label} y`, b.y, rows(s) * s.cout);
  const relu = options.relu ?? true;
  const spec: GemmSpec = {
    m: rows(s),
    n: s.cout,
    k: 9 * s.cin,
    splits: 1,
    tile: gemmTile(rows(s), s.cout),
    header: `${storage(0, 'x', 'read')}
${storage(1, 'weight', 'read')}
${storage(2, 'bias', 'read')}
${storage(3, 'y', 'read_write')}
${im2col('x', 'x', s, s.cin)}`,
    loadA: 'return im2col_x(m, k);',
    loadB: 'return weight[k * N + n];',
    store: relu ? 'y[m * N + n] = max(c + bias[n], 0.0);' : 'y[m * N + n] = c + bias[n];',
    aContiguous: 'k',
    bContiguous: 'n',
  };
  return [dispatch(ctx, label, gemmShader(spec), [b.x, b.weight, b.bias, b.y], gemmWorkgroups(spec))];
}

export interface Conv3x3InputGradientBindings {
  dy: Binding;
  weight: Binding;
  dx: Binding;
  /** The conv's input activation (a ReLU output): dx is zeroed where it is not positive. */
  mask?: Binding;
}

export function buildConv3x3InputGradient(
  ctx: KernelContext,
  s: Conv3x3Shape,
  b: Conv3x3InputGradientBindings,
): Dispatch[] {
  const label = `conv3x3 input gradient ${s.n}×${s.h}×${s.w}×${s.cout}→${s.cin}`;
  need(`${label} dy`, b.dy, rows(s) * s.cout);
  need(`${label} weight`, b.weight, 9 * s.cin * s.cout);
  need(`${label} dx`, b.dx, rows(s) * s.cin);
  if (b.mask) need(`${label} mask`, b.mask, rows(s) * s.cin);
  const spec: GemmSpec = {
    m: rows(s),
    n: s.cin,
    k: 9 * s.cout,
    splits: 1,
    tile: gemmTile(rows(s), s.cin),
    header: `${storage(0, 'dy', 'read')}
${storage(1, 'weight', 'read')}
${storage(2, 'dx', 'read_write')}
${b.mask ? storage(3, 'mask', 'read') : ''}
${im2col('dy', 'dy', s, s.cout)}`,
    loadA: 'return im2col_dy(m, k);',
    // k = (ky·3 + kx)·Cout + co reads the flipped tap (2 − ky, 2 − kx) = 8 − (ky·3 + kx).
    loadB: `let co = k % ${s.cout}u;
  let tap = 8u - k / ${s.cout}u;
  return weight[(tap * ${s.cin}u + n) * ${s.cout}u + co];`,
    store: b.mask ? 'dx[m * N + n] = select(0.0, c, mask[m * N + n] > 0.0);' : 'dx[m * N + n] = c;',
    aContiguous: 'k',
    bContiguous: 'k',
  };
  const bindings = b.mask ? [b.dy, b.weight, b.dx, b.mask] : [b.dy, b.weight, b.dx];
  return [dispatch(ctx, label, gemmShader(spec), bindings, gemmWorkgroups(spec))];
}

export interface Conv3x3FilterGradientBindings {
  x: Binding;
  dy: Binding;
  dWeight: Binding;
  dBias: Binding;
  /** conv3x3FilterGradientScratchBytes(shape) bytes. */
  scratch: Binding;
}

function filterShape(s: Conv3x3Shape) {
  return { rows: rows(s), k: 9 * s.cin, c: s.cout };
}

export function conv3x3FilterGradientScratchBytes(s: Conv3x3Shape): number {
  return weightGradientScratchBytes(filterShape(s));
}

export function buildConv3x3FilterGradient(
  ctx: KernelContext,
  s: Conv3x3Shape,
  b: Conv3x3FilterGradientBindings,
  options: WeightGradientOptions = {},
): Dispatch[] {
  const label = `conv3x3 filter gradient ${s.n}×${s.h}×${s.w}×${s.cin}→${s.cout}`;
  need(`${label} x`, b.x, rows(s) * s.cin);
  return buildWeightGradient(
    ctx,
    label,
    filterShape(s),
    b.x,
    { helpers: im2col('src', 'src', s, s.cin), body: 'return im2col_src(r, k);' },
    { dz: b.dy, dWeight: b.dWeight, dBias: b.dBias, scratch: b.scratch },
    options,
  );
}
