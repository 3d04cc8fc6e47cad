// Dropout's mask, the WGSL twin of src/engine/model/dropoutMask.ts (the definition): element i is
// kept when the top 24 bits of hash(hash(i) + hash(seed ^ φ)) reach rate·2^24, and scaled by
// 1/(1 − rate). The seed is the draw's, read from the step's uniforms at `seedWord`; the rate is
// fixed per run. The dense layers (dense.ts) apply it where they read their input and where they
// write its gradient, recomputing it each time, so no mask and no dropped copy is ever stored.

import { dropThreshold, keepScale } from '../../model/dropoutMask';
import { f32Literal, u32Literal } from './wgsl';

export interface DropoutOptions {
  rate: number;
  /** Word of ctx.uniforms holding this draw's u32 seed. */
  seedWord: number;
}

/** WGSL `fn dropMask(i: u32) -> f32`: element i's factor (0 or 1/(1 − rate)); needs uniformsDecl. */
export function dropoutMaskWgsl(options: DropoutOptions): string {
  return `fn lowbias32(v: u32) -> u32 {
  var x = v;
  x ^= x >> 16u;
  x *= 0x7feb352du;
  x ^= x >> 15u;
  x *= 0x846ca68bu;
  x ^= x >> 16u;
  return x;
}
fn dropMask(i: u32) -> f32 {
  let key = lowbias32(uniformU32(${u32Literal(options.seedWord)}) ^ 0x9e3779b9u);
  let bits = lowbias32(lowbias32(i) + key);
  return select(0.0, ${f32Literal(keepScale(options.rate))}, (bits >> 8u) >= ${u32Literal(dropThreshold(options.rate))});
}`;
}
