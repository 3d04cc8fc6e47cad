import { describe, expect, it } from 'vitest';
import {
  accuracy,
  brier,
  classificationMetrics,
  ece,
  nll,
  nllFromLogits,
  reliabilityBins,
  softmax,
} from '../../../../src/engine/eval/metrics';
import { StudioError } from '../../../../src/protocol/errors';

// Four rows, three classes. Confidences 0.7, 0.62, 0.5, 0.9 fall in distinct 15-bins
// (10.5, 9.3, 7.5, 13.5 in units of 1/15), away from any edge.
const probs = new Float32Array(
  [
    [0.7, 0.2, 0.1], // y=0: right, conf 0.7
    [0.1, 0.62, 0.28], // y=2: wrong, conf 0.62
    [0.25, 0.25, 0.5], // y=2: right, conf 0.5
    [0.9, 0.05, 0.05], // y=1: wrong, conf 0.9
  ].flat(),
);
const labels = [0, 2, 2, 1];

describe('metrics on hand-computed rows', () => {
  it('accuracy', () => {
    expect(accuracy(probs, labels, 3)).toBe(0.5);
  });

  it('NLL = mean −log p_true', () => {
    // −(ln 0.7 + ln 0.28 + ln 0.5 + ln 0.05)/4 = (0.356675 + 1.272966 + 0.693147 + 2.995732)/4
    expect(nll(probs, labels, 3)).toBeCloseTo(1.32963, 5);
  });

  it('NLL floors a zero probability instead of returning ∞', () => {
    const p = new Float32Array([1, 0]);
    expect(nll(p, [1], 2)).toBeCloseTo(-Math.log(1e-12), 9);
  });

  it('Brier = mean Σ_c (p_c − y_c)²', () => {
    // 0.14 + (0.01 + 0.3844 + 0.5184) + 0.375 + (0.81 + 0.9025 + 0.0025) = 3.1428; /4
    expect(brier(probs, labels, 3)).toBeCloseTo(0.7857, 6);
  });

  it('15-bin ECE, one row per bin', () => {
    // (|1 − 0.7| + |0 − 0.62| + |1 − 0.5| + |0 − 0.9|) / 4
    expect(ece(probs, labels, 3)).toBeCloseTo(0.58, 6);
  });

  it('ECE averages accuracy and confidence within a shared bin', () => {
    // Both rows in bin 10 = (2/3, 11/15]: acc 0.5, conf 0.715; a third row at 0.95, right.
    const p = new Float32Array([0.71, 0.29, 0.28, 0.72, 0.95, 0.05]);
    const y = [0, 0, 0];
    // (2/3)·|0.5 − 0.715| + (1/3)·|1 − 0.95|
    expect(ece(p, y, 2)).toBeCloseTo((2 / 3) * 0.215 + (1 / 3) * 0.05, 6);
    const bins = reliabilityBins(p, y, 2);
    expect(bins).toHaveLength(15);
    const b10 = bins[10];
    expect(b10?.count).toBe(2);
    expect(b10?.accuracy).toBe(0.5);
    expect(b10?.confidence).toBeCloseTo(0.715, 6);
    expect(b10?.lower).toBeCloseTo(10 / 15, 12);
    expect(b10?.upper).toBeCloseTo(11 / 15, 12);
    expect(bins[14]?.count).toBe(1);
    expect(bins.reduce((s, b) => s + b.count, 0)).toBe(3);
    expect(bins[0]).toEqual({ lower: 0, upper: 1 / 15, count: 0, accuracy: 0, confidence: 0 });
  });

  it('a perfectly calibrated bin has zero ECE', () => {
    // Confidence 0.75 in every row, right in 3 of 4.
    const p = new Float32Array([0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.25]);
    expect(ece(p, [0, 0, 0, 1], 2)).toBeCloseTo(0, 7);
  });

  it('softmax is stable for huge logits and matches the direct formula', () => {
    const p = softmax(new Float32Array([1000, 1001, 1002, 1, 2, 3]), 3);
    const e = [Math.exp(-2), Math.exp(-1), 1];
    const s = e.reduce((a, b) => a + b, 0);
    for (let c = 0; c < 3; c++) {
      expect(p[c]).toBeCloseTo((e[c] ?? 0) / s, 6);
      expect(p[3 + c]).toBeCloseTo((e[c] ?? 0) / s, 6);
    }
    // Temperature divides the logits.
    const t = softmax(new Float32Array([0, 2]), 2, 2);
    expect(t[1]).toBeCloseTo(Math.exp(1) / (1 + Math.exp(1)), 6);
  });

  it('nllFromLogits agrees with nll(softmax) and stays finite where float32 probabilities underflow', () => {
    const z = new Float32Array([2, -1, 0.5, 0.3, 0.1, -2]);
    expect(nllFromLogits(z, [0, 2], 3)).toBeCloseTo(nll(softmax(z, 3), [0, 2], 3), 6);
    expect(nllFromLogits(new Float32Array([0, 200]), [0], 2)).toBeCloseTo(200, 9);
  });

  it('classificationMetrics bundles the columns', () => {
    const m = classificationMetrics(probs, labels, 3);
    expect(m.n).toBe(4);
    expect(m.error).toBe(0.5);
    expect(m.ece).toBeCloseTo(0.58, 6);
    expect(m.brier).toBeCloseTo(0.7857, 6);
  });

  it('rejects ragged data, wrong label counts and out-of-range labels', () => {
    expect(() => accuracy(new Float32Array(5), [0, 1], 3)).toThrow(StudioError);
    expect(() => accuracy(new Float32Array(6), [0], 3)).toThrow(/labels/);
    expect(() => nll(new Float32Array(6), [0, 3], 3)).toThrow(/Label 3/);
    expect(() => ece(new Float32Array(0), [], 3)).toThrow(/No examples/);
    expect(() => softmax(new Float32Array(2), 2, 0)).toThrow(StudioError);
  });
});
