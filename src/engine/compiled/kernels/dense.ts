// Dense layers over rows x [N, in] and weights [in, out] (the studio's tfjs layout):
//   forward   y[n, o]  = act(b[o] + Σ_i x[n, i] · W[i, o])           act = ReLU or identity
//   dx        dx[n, i] = [mask[n, i] > 0] · Σ_o dy[n, o] · W[i, o]   (mask: this layer's input, when
//             it is a ReLU output, so the previous ReLU's gradient is fused)
//   dW, db    dW[i, o] = Σ_n x[n, i] · dy[n, o], db[o] = Σ_n dy[n, o]  (weightGradient.ts)
// All three are the shared GEMM (gemm.ts) with plain row-major loads. With `dropout` the layer's
// input is x · mask (dropout.ts) wherever it is read, and dx is multiplied by the same mask: the
// dropout before the layer, fused, with its mask recomputed from the draw's seed each time.

import type { Binding, Dispatch, KernelContext } from './types';
import { gemmShader, gemmTile, gemmWorkgroups, type GemmSpec } from './gemm';
import {
  buildWeightGradient,
  weightGradientScratchBytes,
  type WeightGradientOptions,
} from './weightGradient';
import { dropoutMaskWgsl, type DropoutOptions } from './dropout';
import { dispatch, need, storage, uniformsDecl } from './wgsl';

export interface DenseShape {
  /** Batch rows. */
  n: number;
  in: number;
  out: number;
}

export function buildDenseForward(
  ctx: KernelContext,
  s: DenseShape,
  b: { x: Binding; weight: Binding; bias: Binding; y: Binding },
  options: { relu: boolean; dropout?: DropoutOptions },
): Dispatch[] {
  const { dropout } = options;
  const label = `dense forward ${s.n}×${s.in}→${s.out}`;
  need(`${label} x`, b.x, s.n * s.in);
  need(`${label} weight`, b.weight, s.in * s.out);
  need(`${label} bias`, b.bias, s.out);
  need(`${label} y`, b.y, s.n * s.out);
  const spec: GemmSpec = {
    m: s.n,
    n: s.out,
    k: s.in,
    splits: 1,
    tile: gemmTile(s.n, s.out),
    header: `${storage(0, 'x', 'read')}
${storage(1, 'weight', 'read')}
${storage(2, 'bias', 'read')}
${storage(3, 'y', 'read_write')}
${dropout ? `${uniformsDecl(4, ctx.uniforms)}\n${dropoutMaskWgsl(dropout)}` : ''}`,
    loadA: dropout ? 'return x[m * K + k] * dropMask(m * K + k);' : 'return x[m * K + k];',
    loadB: 'return weight[k * N + n];',
    store: options.relu ? 'y[m * N + n] = max(c + bias[n], 0.0);' : 'y[m * N + n] = c + bias[n];',
    aContiguous: 'k',
    bContiguous: 'n',
  };
  const bindings = [b.x, b.weight, b.bias, b.y, ...(dropout ? [ctx.uniforms] : [])];
  return [dispatch(ctx, label, gemmShader(spec), bindings, gemmWorkgroups(spec))];
}

export function buildDenseInputGradient(
  ctx: KernelContext,
  s: DenseShape,
  b: { dy: Binding; weight: Binding; dx: Binding; mask?: Binding },
  options: { dropout?: DropoutOptions } = {},
): Dispatch[] {
  const { dropout } = options;
  const label = `dense input gradient ${s.n}×${s.out}→${s.in}`;
  need(`${label} dy`, b.dy, s.n * s.out);
  need(`${label} weight`, b.weight, s.in * s.out);
  need(`${label} dx`, b.dx, s.n * s.in);
  if (b.mask) need(`${label} mask`, b.mask, s.n * s.in);
  const spec: GemmSpec = {
    m: s.n,
    n: s.in,
    k: s.out,
    splits: 1,
    tile: gemmTile(s.n, s.in),
    header: `${storage(0, 'dy', 'read')}
${storage(1, 'weight', 'read')}
${storage(2, 'dx', 'read_write')}
${b.mask ? storage(3, 'mask', 'read') : ''}
${dropout ? `${uniformsDecl(b.mask ? 4 : 3, ctx.uniforms)}\n${dropoutMaskWgsl(dropout)}` : ''}`,
    loadA: 'return dy[m * K + k];',
    loadB: 'return weight[n * K + k];',
    store: `let g = ${dropout ? 'c * dropMask(m * N + n)' : 'c'};
  dx[m * N + n] = ${b.mask ? 'select(0.0, g, mask[m * N + n] > 0.0)' : 'g'};`,
    aContiguous: 'k',
    bContiguous: 'k',
  };
  const bindings = [b.dy, b.weight, b.dx, ...(b.mask ? [b.mask] : []), ...(dropout ? [ctx.uniforms] : [])];
  return [dispatch(ctx, label, gemmShader(spec), bindings, gemmWorkgroups(spec))];
}

function gradientShape(s: DenseShape) {
  return { rows: s.n, k: s.in, c: s.out };
}

export function denseWeightGradientScratchBytes(s: DenseShape): number {
  return weightGradientScratchBytes(gradientShape(s));
}

export function buildDenseWeightGradient(
  ctx: KernelContext,
  s: DenseShape,
  b: { x: Binding; dy: Binding; dWeight: Binding; dBias: Binding; scratch: Binding },
  options: WeightGradientOptions & { dropout?: DropoutOptions } = {},
): Dispatch[] {
  const { dropout } = options;
  const label = `dense weight gradient ${s.n}×${s.in}→${s.out}`;
  need(`${label} x`, b.x, s.n * s.in);
  return buildWeightGradient(
    ctx,
    label,
    gradientShape(s),
    b.x,
    dropout
      ? {
          helpers: dropoutMaskWgsl(dropout),
          body: `return src[r * ${s.in}u + k] * dropMask(r * ${s.in}u + k);`,
          uniforms: true,
        }
      : { helpers: '', body: `return src[r * ${s.in}u + k];` },
    { dz: b.dy, dWeight: b.dWeight, dBias: b.dBias, scratch: b.scratch },
    options,
  );
}
