// The landscape's grid arithmetic: parts cut as numpy's array_split cuts them (loss-landscape's
// MPI split), interpolation steps that always hold both ends, the barrier's definition, and the
// storage a kept training path costs (one copy per epoch the run's stages train).
import { describe, expect, it } from 'vitest';
import { barrier, interpolationSteps, partRange } from '../../../../src/engine/landscape/landscape';
import { planStages } from '../../../../src/engine/train/plan';
import { pathBytes, runEpochs } from '../../../../src/protocol/landscapeRuns';
import { paramCount, statisticsCount } from '../../../../src/protocol/network';
import { PROCEDURES, defaultSettings } from '../../../../src/protocol/settings';

describe('landscape grids', () => {
  it('cuts parts as numpy.array_split does, covering every point once', () => {
    for (const [total, count] of [
      [16, 3],
      [441, 8],
      [10, 10],
      [7, 1],
    ] as const) {
      const parts = Array.from({ length: count }, (_, i) => partRange(total, i + 1, count));
      // array_split: the first total % count parts hold one more.
      const sizes = parts.map(([a, b]) => b - a);
      const base = Math.floor(total / count);
      expect(sizes).toEqual(sizes.map((_, i) => base + (i < total % count ? 1 : 0)));
      expect(parts[0]?.[0]).toBe(0);
      expect(parts[count - 1]?.[1]).toBe(total);
      parts.slice(1).forEach(([a], i) => {
        expect(a).toBe(parts[i]?.[1]);
      });
    }
    expect(() => partRange(16, 0, 3)).toThrow(/1 ≤ I ≤ N/);
    expect(() => partRange(4, 1, 5)).toThrow(/leave some parts empty/);
  });

  it('steps an interpolation through both ends exactly', () => {
    expect(interpolationSteps(-0.25, 1.25, 25)).toHaveLength(25);
    const odd = interpolationSteps(-0.2, 1.2, 6);
    expect(odd).toContain(0);
    expect(odd).toContain(1);
    expect(odd).toHaveLength(8);
    expect([...odd].sort((a, b) => a - b)).toEqual(odd);
    expect(() => interpolationSteps(0.1, 1, 5)).toThrow(/from ≤ 0 to ≥ 1/);
  });

  it('measures the barrier above the line between the ends, inside [0, 1] only', () => {
    const t = [-0.5, 0, 0.5, 1, 1.5];
    // Ends 1 and 3: the line is 2 at t = 0.5, so 5 there is a barrier of 3; outside [0, 1] ignored.
    expect(barrier(t, [100, 1, 5, 3, 100])).toBe(3);
    // A value below the line everywhere inside: the barrier is 0, at the ends.
    expect(barrier(t, [0, 1, 1, 3, 0])).toBe(0);
  });
});

describe('a kept training path', () => {
  it('costs one copy of the parameters and statistics for each epoch the run trains', () => {
    for (const procedure of PROCEDURES) {
      const s = {
        ...defaultSettings(procedure),
        modes: procedure === 'complex' || procedure === 'curve' ? ['a', 'b'] : ['a'],
      };
      expect(runEpochs(s), procedure).toBe(planStages(s).reduce((n, stage) => n + stage.epochs, 0));
    }
    const s = { ...defaultSettings('base'), architecture: 'preresnet20' as const, baseEpochs: 3 };
    const spec = { architecture: 'preresnet20' as const, widthScale: 1 as const, numClasses: 10 };
    expect(pathBytes(s, 10)).toEqual({
      perEpoch: 4 * (paramCount(spec) + statisticsCount(spec)),
      epochs: 3,
      total: 12 * (paramCount(spec) + statisticsCount(spec)),
    });
  });
});
