// Max-pool 2×2, stride 2, NHWC, with PyTorch's tie rule: a window's gradient goes to its FIRST
// maximum in row-major order ((0,0), (0,1), (1,0), (1,1)), the rule src/engine/model/maxPool2x2.ts
// gives every tfjs backend, so both paths follow one trajectory. The backward pass recomputes the
// window's maximum from the pooled input (no argmax scratch) and writes all four positions, so dx
// needs no clearing:
//   y[b, i, j, c]  = max_{p ∈ window(i, j)} x[b, p, c]
//   dx[b, p, c]    = dy[b, i, j, c] if p is the first p with x[b, p, c] = y, else 0
// With `relu` the gradient is also zeroed where the maximum is not positive: x is a ReLU output,
// so this fuses the ReLU's gradient of the conv before the pool.

import type { Binding, Dispatch, KernelContext } from './types';
import { ceilDiv, dispatch, need, storage } from './wgsl';

export interface PoolShape {
  n: number;
  /** Input height and width, even. */
  h: number;
  w: number;
  c: number;
}

function check(s: PoolShape): number {
  if (s.h % 2 !== 0 || s.w % 2 !== 0) throw new Error(`A 2×2 max-pool needs an even map; got ${s.h}×${s.w}.`);
  return (s.n * s.h * s.w * s.c) / 4;
}

/** `window(o)`: the input index of output o's top-left element. */
function windowFn(s: PoolShape): string {
  return `const OUTPUTS = ${(s.n * s.h * s.w * s.c) / 4}u;
const C = ${s.c}u;
const ROW = ${s.w * s.c}u;
fn window(o: u32) -> u32 {
  let c = o % C;
  let t = o / C;
  let j = t % ${s.w / 2}u;
  let bi = t / ${s.w / 2}u;
  return (bi * 2u * ${s.w}u + 2u * j) * C + c;
}`;
}

export function buildMaxPoolForward(
  ctx: KernelContext,
  s: PoolShape,
  b: { x: Binding; y: Binding },
): Dispatch[] {
  const outputs = check(s);
  const label = `max-pool forward ${s.n}×${s.h}×${s.w}×${s.c}`;
  need(`${label} x`, b.x, outputs * 4);
  need(`${label} y`, b.y, outputs);
  const code = `${storage(0, 'x', 'read')}
${storage(1, 'y', 'read_write')}
${windowFn(s)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x;
  if (o >= OUTPUTS) { return; }
  let p = window(o);
  y[o] = max(max(x[p], x[p + C]), max(x[p + ROW], x[p + ROW + C]));
}`;
  return [dispatch(ctx, label, code, [b.x, b.y], [ceilDiv(outputs, 256), 1, 1])];
}

export function buildMaxPoolBackward(
  ctx: KernelContext,
  s: PoolShape,
  b: { x: Binding; dy: Binding; dx: Binding },
  options: { relu?: boolean } = {},
): Dispatch[] {
  const outputs = check(s);
  const label = `max-pool backward ${s.n}×${s.h}×${s.w}×${s.c}`;
  need(`${label} x`, b.x, outputs * 4);
  need(`${label} dy`, b.dy, outputs);
  need(`${label} dx`, b.dx, outputs * 4);
  const code = `${storage(0, 'x', 'read')}
${storage(1, 'dy', 'read')}
${storage(2, 'dx', 'read_write')}
${windowFn(s)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let o = gid.x;
  if (o >= OUTPUTS) { return; }
  let p = array<u32, 4>(window(o), window(o) + C, window(o) + ROW, window(o) + ROW + C);
  let v = array<f32, 4>(x[p[0]], x[p[1]], x[p[2]], x[p[3]]);
  let m = max(max(v[0], v[1]), max(v[2], v[3]));
  var g = dy[o];
  ${options.relu ? 'if (!(m > 0.0)) { g = 0.0; }' : ''}
  var taken = false;
  for (var q = 0u; q < 4u; q++) {
    let first = !taken && v[q] == m;
    dx[p[q]] = select(0.0, g, first);
    taken = taken || first;
  }
}`;
  return [dispatch(ctx, label, code, [b.x, b.dy, b.dx], [ceilDiv(outputs, 256), 1, 1])];
}
