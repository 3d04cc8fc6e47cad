import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { averageProbs } from '../../../../src/engine/eval/ensemble';
import {
  accuracy,
  brier,
  ece,
  nll,
  nllFromLogits,
  reliabilityBins,
  softmax,
} from '../../../../src/engine/eval/metrics';
import { fitTemperature } from '../../../../src/engine/eval/temperature';

/** rows × classes logits with labels, logits up to ±50 (float32-representable). */
const batch = fc
  .record({ rows: fc.integer({ min: 1, max: 12 }), classes: fc.integer({ min: 2, max: 8 }) })
  .chain(({ rows, classes }) =>
    fc.record({
      classes: fc.constant(classes),
      logits: fc
        .array(fc.float({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }), {
          minLength: rows * classes,
          maxLength: rows * classes,
        })
        .map((xs) => new Float32Array(xs)),
      labels: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows }),
    }),
  );

describe('metric invariants', () => {
  it('softmax rows are probabilities that sum to 1', () => {
    fc.assert(
      fc.property(batch, ({ logits, classes }) => {
        const p = softmax(logits, classes);
        for (let base = 0; base < p.length; base += classes) {
          let s = 0;
          for (let c = 0; c < classes; c++) {
            const v = p[base + c] ?? NaN;
            expect(v).toBeGreaterThanOrEqual(0);
            expect(v).toBeLessThanOrEqual(1);
            s += v;
          }
          expect(s).toBeCloseTo(1, 5);
        }
      }),
    );
  });

  it('ECE ∈ [0, 1], Brier ∈ [0, 2], NLL ≥ 0, accuracy ∈ [0, 1], bins count every row', () => {
    fc.assert(
      fc.property(batch, ({ logits, labels, classes }) => {
        const p = softmax(logits, classes);
        const e = ece(p, labels, classes);
        expect(e).toBeGreaterThanOrEqual(0);
        expect(e).toBeLessThanOrEqual(1 + 1e-12);
        const b = brier(p, labels, classes);
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThanOrEqual(2 + 1e-6);
        expect(nll(p, labels, classes)).toBeGreaterThanOrEqual(0);
        expect(nllFromLogits(logits, labels, classes)).toBeGreaterThanOrEqual(0);
        const a = accuracy(p, labels, classes);
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThanOrEqual(1);
        expect(reliabilityBins(p, labels, classes).reduce((s, x) => s + x.count, 0)).toBe(labels.length);
      }),
    );
  });

  it('an ensemble of M copies of one member is that member', () => {
    fc.assert(
      fc.property(batch, fc.integer({ min: 1, max: 30 }), ({ logits, classes }, m) => {
        const p = softmax(logits, classes);
        expect(averageProbs(Array.from({ length: m }, () => p))).toEqual(p);
      }),
    );
  });

  it('the fitted temperature never does worse than T = 1', () => {
    fc.assert(
      fc.property(batch, ({ logits, labels, classes }) => {
        const fit = fitTemperature(logits, labels, classes);
        expect(fit.nllAfter).toBeLessThanOrEqual(fit.nllBefore + 1e-9);
      }),
      { numRuns: 50 },
    );
  });
});
