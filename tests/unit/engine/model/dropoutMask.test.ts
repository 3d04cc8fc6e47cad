import { describe, expect, it } from 'vitest';
import {
  dropThreshold,
  dropoutBits,
  dropoutMask,
  keepScale,
  lowbias32,
} from '../../../../src/engine/model/dropoutMask';

describe('dropoutMask', () => {
  it('keeps 1 − rate of the elements, scaled by 1/(1 − rate)', () => {
    for (const rate of [0.5, 0.1, 0.3]) {
      const mask = dropoutMask(12345, 200_000, rate);
      const kept = mask.filter((m) => m !== 0);
      expect(new Set(kept)).toEqual(new Set([Math.fround(1 / (1 - rate))]));
      // Binomial standard deviation at 200k draws is ≤ 0.0012: 5σ.
      expect(Math.abs(kept.length / mask.length - (1 - rate))).toBeLessThan(0.006);
    }
    expect(dropoutMask(1, 1000, 0).every((m) => m === 1)).toBe(true);
  });

  it('is a function of (seed, index) only, and seeds give unrelated masks', () => {
    const a = dropoutMask(99, 4096, 0.5);
    const longer = dropoutMask(99, 8192, 0.5);
    expect(longer.subarray(0, 4096)).toEqual(a);
    // Neighbouring seeds and an index shift agree on about half the elements, as independent masks do.
    const agree = (p: Float32Array, q: Float32Array) => p.filter((v, i) => v === q[i]).length / p.length;
    expect(Math.abs(agree(a, dropoutMask(100, 4096, 0.5)) - 0.5)).toBeLessThan(0.04);
    expect(Math.abs(agree(a, longer.subarray(1, 4097)) - 0.5)).toBeLessThan(0.04);
  });

  it('has well-mixed bits: each output bit flips for half the one-bit changes of the index', () => {
    const flips = new Array<number>(32).fill(0);
    let trials = 0;
    for (let i = 0; i < 2000; i++)
      for (let b = 0; b < 32; b++) {
        const d = (dropoutBits(7, i) ^ dropoutBits(7, (i ^ (1 << b)) >>> 0)) >>> 0;
        for (let o = 0; o < 32; o++) flips[o] = (flips[o] as number) + ((d >>> o) & 1);
        trials++;
      }
    for (const f of flips) expect(Math.abs(f / trials - 0.5)).toBeLessThan(0.02);
  });

  it('computes the u32 hash exactly (against an arbitrary-precision version of the same steps)', () => {
    const M = (1n << 32n) - 1n;
    const big = (v: bigint): bigint => {
      v ^= v >> 16n;
      v = (v * 0x7feb352dn) & M;
      v ^= v >> 15n;
      v = (v * 0x846ca68bn) & M;
      return v ^ (v >> 16n);
    };
    const bigBits = (seed: number, i: number) =>
      Number(big((big(BigInt(i)) + big(BigInt(seed) ^ 0x9e3779b9n)) & M));
    for (const [seed, i] of [
      [0, 0],
      [1, 1],
      [0xffffffff, 0xffffffff],
      [123456789, 65535],
      [2 ** 31, 2 ** 31 - 1],
    ] as const) {
      expect(lowbias32(i)).toBe(Number(big(BigInt(i))));
      expect(dropoutBits(seed, i)).toBe(bigBits(seed, i));
    }
    expect(dropThreshold(0.5)).toBe(2 ** 23);
    expect(keepScale(0.5)).toBe(2);
    expect(() => dropoutMask(1, 4, 1)).toThrow(/below 1/);
    expect(() => dropoutMask(1, 4, Number.NaN)).toThrow(/below 1/);
  });
});
