import { describe, expect, it } from 'vitest';
import { ece, nllFromLogits, softmax, accuracy } from '../../../../src/engine/eval/metrics';
import { applyTemperature, fitTemperature } from '../../../../src/engine/eval/temperature';
import { Rng } from '../../../../src/engine/util/rng';

/** Logits of a model right about 70% of the time, with margins of order 1, then scaled. */
function overConfident(rows: number, classes: number, scale: number, seed: number) {
  const rng = new Rng(seed);
  const logits = new Float32Array(rows * classes);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const y = rng.int(classes);
    labels[r] = y;
    for (let c = 0; c < classes; c++) {
      logits[r * classes + c] = scale * (rng.normal() + (c === y ? 1.5 : 0));
    }
  }
  return { logits, labels };
}

describe('temperature scaling', () => {
  it('finds T > 1 on an over-confident model (logits ×10) and lowers NLL and ECE', () => {
    const { logits, labels } = overConfident(400, 5, 10, 1);
    const acc = accuracy(logits, labels, 5);
    expect(acc).toBeGreaterThan(0.4);
    expect(acc).toBeLessThan(0.95); // some predictions are wrong, confidently
    const fit = fitTemperature(logits, labels, 5);
    expect(fit.temperature).toBeGreaterThan(1);
    // The unscaled logits were ×10, so the best T sits near 10.
    expect(fit.temperature).toBeGreaterThan(5);
    expect(fit.temperature).toBeLessThan(20);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore / 2);
    expect(fit.nllBefore).toBeCloseTo(nllFromLogits(logits, labels, 5), 12);
    const before = ece(softmax(logits, 5), labels, 5);
    const after = ece(softmax(applyTemperature(logits, fit.temperature), 5), labels, 5);
    expect(after).toBeLessThan(before);
    // Accuracy is unchanged: T does not move the argmax.
    expect(accuracy(applyTemperature(logits, fit.temperature), labels, 5)).toBe(acc);
  });

  it('lands on the minimum of NLL over a fine grid in log T', () => {
    const { logits, labels } = overConfident(200, 4, 3, 2);
    const fit = fitTemperature(logits, labels, 4);
    for (let u = Math.log(0.01); u <= Math.log(100); u += 0.01) {
      expect(fit.nllAfter).toBeLessThanOrEqual(nllFromLogits(logits, labels, 4, Math.exp(u)) + 1e-12);
    }
  });

  it('finds T < 1 on an under-confident model', () => {
    const { logits, labels } = overConfident(300, 5, 0.2, 3);
    expect(fitTemperature(logits, labels, 5).temperature).toBeLessThan(1);
  });

  it('stops at the lower bound when every prediction is right', () => {
    const logits = new Float32Array([3, 0, 0, 2, 1, -1]);
    const fit = fitTemperature(logits, [0, 1, 0], 2, { minT: 0.05 });
    expect(fit.temperature).toBeCloseTo(0.05, 6);
    expect(Number.isFinite(fit.nllAfter)).toBe(true);
  });

  it('refuses logits with NaN', () => {
    expect(() => fitTemperature(new Float32Array([0, Number.NaN]), [0], 2)).toThrow(/NaN/);
  });
});
