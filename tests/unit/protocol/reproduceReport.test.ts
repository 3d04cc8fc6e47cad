// The reproduction's rows from the Ensembles report: per k, the clean, uncalibrated ESPRO row over
// the first k components at the report's M (not a calibrated, noisy or other-M row), with the
// members' costs added up to k; and a member's cost from its epoch points.
import { describe, expect, it } from 'vitest';
import type { MetricRow } from '../../../src/protocol/commands/ensembles';
import { memberCost, rowsFromEnsembleReport, summarise } from '../../../src/protocol/reproduceReport';

function row(patch: Partial<MetricRow>): MetricRow {
  return {
    key: JSON.stringify(patch),
    label: '',
    kind: 'espro',
    component: null,
    components: 1,
    points: 5,
    severity: 0,
    sigma: 0,
    temperature: null,
    images: 100,
    error: 0.5,
    nll: 1,
    brier: 0.6,
    ece: 0.1,
    cost: null,
    ...patch,
  };
}

describe('rowsFromEnsembleReport', () => {
  it('takes the clean ESPRO row at M for each k and adds the members’ costs', () => {
    const report = {
      params: { pointsPerSimplex: 5 } as never,
      rows: [
        row({ components: 1, points: 1, error: 0.9 }),
        row({ components: 1, error: 0.3, nll: 0.8 }),
        row({ components: 1, temperature: 1.3, error: 0.8 }),
        row({ components: 1, severity: 2, error: 0.7 }),
        row({ kind: 'deepEnsemble', components: 2, points: null, error: 0.6 }),
        row({ components: 2, error: 0.25, nll: 0.7 }),
      ],
    };
    const costs = [
      { epochs: 3, images: 300, seconds: 10 },
      { epochs: 4, images: 400, seconds: 12 },
    ];
    const rows = rowsFromEnsembleReport(report, 'ESPRO', 2, costs);
    expect(rows).toEqual([
      {
        seed: 2,
        method: 'ESPRO',
        k: 1,
        error: 0.3,
        nll: 0.8,
        ece: 0.1,
        brier: 0.6,
        epochs: 3,
        images: 300,
        seconds: 10,
      },
      {
        seed: 2,
        method: 'ESPRO',
        k: 2,
        error: 0.25,
        nll: 0.7,
        ece: 0.1,
        brier: 0.6,
        epochs: 7,
        images: 700,
        seconds: 22,
      },
    ]);
    const summary = summarise({
      preset: 'x',
      dataset: 'd',
      testImages: 100,
      points: 5,
      rows,
      members: [],
      createdAt: '',
    });
    expect(summary.map((s) => [s.k, s.error])).toEqual([
      [1, [0.3, 0]],
      [2, [0.25, 0]],
    ]);
  });

  it('counts a member’s images by its last step and its seconds over its epochs', () => {
    expect(
      memberCost(
        [
          { step: 10, seconds: 1.5 },
          { step: 20, seconds: 2 },
        ],
        32,
      ),
    ).toEqual({
      epochs: 2,
      images: 640,
      seconds: 3.5,
    });
    expect(memberCost([], 32)).toEqual({ epochs: 0, images: 0, seconds: 0 });
  });
});
