import { describe, expect, it } from 'vitest';
import { averageProbs, ProbAverager } from '../../../../src/engine/eval/ensemble';
import { softmax } from '../../../../src/engine/eval/metrics';
import { StudioError } from '../../../../src/protocol/errors';

describe('ensemble averaging', () => {
  it('M identical members give back exactly that member', () => {
    const p = softmax(new Float32Array([0.3, -1.2, 2.5, 0.01, 7, -3]), 3);
    for (const m of [1, 2, 3, 25]) {
      expect(averageProbs(Array.from({ length: m }, () => p))).toEqual(p);
    }
  });

  it('averages elementwise and streams', () => {
    const a = new Float32Array([0.5, 0.5, 1, 0]);
    const b = new Float32Array([0.1, 0.9, 0, 1]);
    const avg = new ProbAverager(4);
    avg.add(a);
    avg.add(b);
    expect(avg.count).toBe(2);
    const got = Array.from(avg.mean());
    [0.3, 0.7, 0.5, 0.5].forEach((w, i) => {
      expect(got[i]).toBeCloseTo(w, 7);
    });
  });

  it('rejects empty ensembles and members of another size', () => {
    expect(() => averageProbs([])).toThrow(StudioError);
    expect(() => new ProbAverager(3).mean()).toThrow(StudioError);
    expect(() => {
      new ProbAverager(3).add(new Float32Array(4));
    }).toThrow(/4 probabilities/);
  });
});
