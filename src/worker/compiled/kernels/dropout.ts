// Dropout, the WGSL twin of src/engine/model/dropoutMask.ts (the definition): element i is kept
// when the top 24 bits of hash(hash(i) + hash(seed ^ φ)) reach rate·2^24, and scaled by 1/(1 − rate).
// The seed is the draw's, read from the step's uniforms at `seedWord`; the rate is fixed per run.
// The backward pass recomputes the same mask, so nothing is stored between them:
//   forward   y[i]  = x[i] · mask(seed, i)        backward  dx[i] = dy[i] · mask(seed, i)
// With `relu` the backward pass also zeroes dx where `x` (the ReLU output it masks) is not positive.

import type { Binding, Dispatch, KernelContext } from './types';
import { dropThreshold, keepScale } from '../../../engine/model/dropoutMask';
import { ceilDiv, dispatch, f32Literal, need, storage, u32Literal, uniformsDecl } from './wgsl';

export interface DropoutOptions {
  rate: number;
  /** Word of ctx.uniforms holding this draw's u32 seed. */
  seedWord: number;
}

function maskFn(options: DropoutOptions): string {
  return `fn lowbias32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}
fn mask(i: u32) -> f32 {
  let key = lowbias32(uniformU32(${u32Literal(options.seedWord)}) ^ 0x9e3779b9u);
  let bits = lowbias32(lowbias32(i) + key);
  return select(0.0, ${f32Literal(keepScale(options.rate))}, (bits >> 8u) >= ${u32Literal(dropThreshold(options.rate))});
}`;
}

/** y = x · mask; `count` elements. */
export function buildDropoutForward(
  ctx: KernelContext,
  count: number,
  b: { x: Binding; y: Binding },
  options: DropoutOptions,
): Dispatch[] {
  const label = `dropout forward ${count}`;
  need(`${label} x`, b.x, count);
  need(`${label} y`, b.y, count);
  const code = `${uniformsDecl(0, ctx.uniforms)}
${storage(1, 'x', 'read')}
${storage(2, 'y', 'read_write')}
${maskFn(options)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= ${count}u) { return; }
  y[i] = x[i] * mask(i);
}`;
  return [dispatch(ctx, label, code, [ctx.uniforms, b.x, b.y], [ceilDiv(count, 256), 1, 1])];
}

/** dx = dy · mask (· [reluOut > 0] when given). */
export function buildDropoutBackward(
  ctx: KernelContext,
  count: number,
  b: { dy: Binding; dx: Binding; reluOut?: Binding },
  options: DropoutOptions,
): Dispatch[] {
  const label = `dropout backward ${count}`;
  need(`${label} dy`, b.dy, count);
  need(`${label} dx`, b.dx, count);
  if (b.reluOut) need(`${label} reluOut`, b.reluOut, count);
  const code = `${uniformsDecl(0, ctx.uniforms)}
${storage(1, 'dy', 'read')}
${storage(2, 'dx', 'read_write')}
${b.reluOut ? storage(3, 'reluOut', 'read') : ''}
${maskFn(options)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i >= ${count}u) { return; }
  ${b.reluOut ? 'dx[i] = select(0.0, dy[i] * mask(i), reluOut[i] > 0.0);' : 'dx[i] = dy[i] * mask(i);'}
}`;
  const bindings = b.reluOut ? [ctx.uniforms, b.dy, b.dx, b.reluOut] : [ctx.uniforms, b.dy, b.dx];
  return [dispatch(ctx, label, code, bindings, [ceilDiv(count, 256), 1, 1])];
}
