import { describe, expect, it } from 'vitest';
import { lrAt, lrAtStep } from '../../../../src/engine/train/schedule';
import { StudioError } from '../../../../src/protocol/errors';

/**
 * torch.optim.lr_scheduler.CosineAnnealingLR.get_lr (eta_min = 0) written out: the recursive
 * form PyTorch evaluates once per scheduler.step(), i.e. once per epoch in the reference.
 */
function torchCosine(base: number, T: number): number[] {
  const lrs = [base];
  for (let t = 1; t < T; t++) {
    const prev = lrs[t - 1] ?? NaN;
    if ((t - 1 - T) % (2 * T) === 0) {
      lrs.push(prev + (base * (1 - Math.cos(Math.PI / T))) / 2);
    } else {
      lrs.push(((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * prev);
    }
  }
  return lrs;
}

describe('lrAt (cosine per stage, per epoch)', () => {
  it('hits the hand-computed points', () => {
    expect(lrAt(0.05, 0, 10)).toBe(0.05);
    expect(lrAt(0.05, 5, 10)).toBeCloseTo(0.025, 15);
    // cos(0.9π) = −0.9510565…, so (1 − 0.9510565)/2 · 0.01
    expect(lrAt(0.01, 9, 10)).toBeCloseTo(0.01 * 0.024471741852423, 15);
    expect(lrAt(0.05, 0, 1)).toBe(0.05);
  });

  it("agrees with PyTorch's recursive CosineAnnealingLR for the reference's stage lengths", () => {
    for (const [base, T] of [
      [0.05, 300],
      [0.01, 10],
      [0.01, 20],
    ] as const) {
      const torch = torchCosine(base, T);
      torch.forEach((want, e) => {
        expect(lrAt(base, e, T)).toBeCloseTo(want, 12);
      });
    }
  });

  it('falls monotonically and stays positive within a stage', () => {
    for (let e = 1; e < 10; e++) {
      expect(lrAt(0.01, e, 10)).toBeLessThan(lrAt(0.01, e - 1, 10));
      expect(lrAt(0.01, e, 10)).toBeGreaterThan(0);
    }
  });

  it('lrAtStep holds the epoch rate for every batch of that epoch', () => {
    const steps = 391; // ⌈50000 / 128⌉
    expect(lrAtStep(0.01, 0, steps, 10)).toBe(lrAt(0.01, 0, 10));
    expect(lrAtStep(0.01, steps - 1, steps, 10)).toBe(lrAt(0.01, 0, 10));
    expect(lrAtStep(0.01, steps, steps, 10)).toBe(lrAt(0.01, 1, 10));
    expect(lrAtStep(0.01, 10 * steps - 1, steps, 10)).toBe(lrAt(0.01, 9, 10));
  });

  it('rejects epochs outside the stage and bad settings', () => {
    expect(() => lrAt(0.01, 10, 10)).toThrow(StudioError);
    expect(() => lrAt(0.01, -1, 10)).toThrow(StudioError);
    expect(() => lrAt(0.01, 0.5, 10)).toThrow(StudioError);
    expect(() => lrAt(0.01, 0, 0)).toThrow(StudioError);
    expect(() => lrAt(Number.NaN, 0, 10)).toThrow(StudioError);
    expect(() => lrAtStep(0.01, 10 * 391, 391, 10)).toThrow(StudioError);
    expect(() => lrAtStep(0.01, 0, 0, 10)).toThrow(StudioError);
  });
});
