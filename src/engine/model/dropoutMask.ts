// The dropout mask's definition: a counter-based RNG, so element i of a draw's mask is a pure
// function of (seed, i) and every backend (tfjs CPU/WebGL/WebGPU, the compiled step's WGSL)
// computes the same bits without sharing any RNG state. A run therefore reaches the same weights
// on any backend and after a resume. Plain 32-bit integer math only (Math.imul, shifts), which
// WGSL's u32 arithmetic reproduces exactly; the WGSL twin is
// src/engine/compiled/kernels/dropout.ts. Pure: no tfjs, no DOM.

import { StudioError } from '../../protocol/errors';

/** Bits of the hash that decide keep/drop: a 24-bit uniform, exact in float32 too. */
const UNIFORM_BITS = 24;

/** Chris Wellons' "lowbias32" integer finaliser: a bijection on u32 with near-ideal avalanche. */
export function lowbias32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The 32 random bits of element `index` under `seed`: hash(hash(index) + hash(seed ^ φ)). */
export function dropoutBits(seed: number, index: number): number {
  const key = lowbias32((seed ^ 0x9e3779b9) >>> 0);
  return lowbias32((lowbias32(index >>> 0) + key) >>> 0);
}

/** An element is kept when its 24-bit uniform is at least this (rate·2^24, rounded). */
export function dropThreshold(rate: number): number {
  checkRate(rate);
  return Math.round(rate * 2 ** UNIFORM_BITS);
}

/** The float32 factor a kept element is multiplied by: 1/(1 − rate), as PyTorch scales. */
export function keepScale(rate: number): number {
  checkRate(rate);
  return Math.fround(1 / (1 - rate));
}

/** Whether element `index` survives: its top 24 bits, read as an integer, reach the threshold. */
export function kept(seed: number, index: number, threshold: number): boolean {
  return dropoutBits(seed, index) >>> (32 - UNIFORM_BITS) >= threshold;
}

/** The mask as the factors to multiply by (0 or keepScale), element i for i in [0, count). */
export function dropoutMask(seed: number, count: number, rate: number): Float32Array {
  const threshold = dropThreshold(rate);
  const scale = keepScale(rate);
  const mask = new Float32Array(count);
  for (let i = 0; i < count; i++) mask[i] = kept(seed, i, threshold) ? scale : 0;
  return mask;
}

function checkRate(rate: number): void {
  if (!(rate >= 0 && rate < 1)) {
    throw new StudioError('BAD_SETTINGS', `A dropout rate must be at least 0 and below 1; got ${rate}.`);
  }
}
