// The Ensembles section's pure helpers: which simplexes may join (and why not), which rows each
// plot draws, and the CSV export of the table.

import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../../../src/protocol/commands/data';
import type { EnsembleReport, MetricRow } from '../../../../src/protocol/commands/ensembles';
import type { ModelSummary } from '../../../../src/protocol/commands/models';
import { candidates, chosenComponents } from '../../../../src/ui/sections/ensembles/candidates';
import {
  CSV_COLUMNS,
  componentCurves,
  pointsCurve,
  reportCharts,
  reportCsv,
} from '../../../../src/ui/sections/ensembles/reportData';

function model(id: string, over: Partial<ModelSummary> = {}): ModelSummary {
  return {
    id,
    name: id,
    kind: 'simplex',
    spec: { architecture: 'vgg16', widthScale: 0.125, numClasses: 10 },
    vertexCount: 3,
    paramCount: 1,
    complex: [[0, 1, 2]],
    frozen: [false, false, false],
    roles: ['mode', 'vertex', 'vertex'],
    dataset: null,
    normalisation: null,
    training: null,
    metrics: null,
    source: { kind: 'file', fileName: `${id}.safetensors`, run: null },
    createdAt: 0,
    ...over,
  };
}

const synthetic = {
  id: 'synthetic',
  name: 'Synthetic (built-in)',
  classNames: Array.from({ length: 10 }, (_, i) => `c${i}`),
} as DatasetInfo;

describe('ensemble candidates', () => {
  it('lists every simplex and says why one cannot join', () => {
    const models = [
      model('ens', {
        kind: 'ensemble',
        complex: [
          [0, 1],
          [2, 3],
        ],
        vertexCount: 4,
      }),
      model('wide', { spec: { architecture: 'vgg16', widthScale: 0.25, numClasses: 10 } }),
      model('c100', { spec: { architecture: 'vgg16', widthScale: 0.125, numClasses: 100 } }),
      model('cifar', { dataset: { id: 'cifar10', name: 'CIFAR-10' } }),
    ];
    const none = candidates(models, synthetic, new Set());
    expect(none.map((c) => c.key)).toEqual(['ens/0', 'ens/1', 'wide/0', 'c100/0', 'cifar/0']);
    expect(none[1]?.label).toBe('ens (ensemble) · simplex {2,3}');
    expect(none.map((c) => c.disabled)).toEqual([
      null,
      null,
      null,
      '100 classes; Synthetic (built-in) has 10',
      'trained on CIFAR-10',
    ]);
    const picked = candidates(models, synthetic, new Set(['ens/1', 'wide/0']));
    expect(picked[2]?.disabled).toBe(
      'vgg16 at width 1/4 for 10 classes; the ensemble is vgg16 at width 1/8 for 10 classes',
    );
    expect(chosenComponents(picked, new Set(['ens/1', 'wide/0', 'ens/0']))).toEqual([
      { modelId: 'ens', simplex: 0 },
      { modelId: 'ens', simplex: 1 },
    ]);
  });
});

function row(over: Partial<MetricRow>): MetricRow {
  return {
    key: JSON.stringify(over),
    label: 'x',
    kind: 'espro',
    component: null,
    components: 1,
    points: 2,
    severity: 0,
    sigma: 0,
    temperature: null,
    images: 16,
    error: 0.25,
    nll: 0.5,
    brier: 0.3,
    ece: 0.1,
    cost: null,
    ...over,
  };
}

function report(rows: MetricRow[]): EnsembleReport {
  return {
    params: {
      components: [],
      datasetId: 'synthetic',
      pointsPerSimplex: 2,
      testLimit: 16,
      heldOut: 0,
      noise: false,
      seed: 1,
      batchSize: 128,
    },
    datasetName: 'Synthetic',
    classes: 10,
    testImages: 16,
    components: [0, 1].map((c) => ({
      label: `#${c + 1}`,
      modelId: 'm',
      modelName: 'm',
      simplex: [0, 1, 2],
      modeVertex: 0,
      cost: null,
      modeCost: null,
      costNote: 'unknown',
    })),
    pointGrid: [1, 2],
    heldOut: null,
    rows,
    reliability: [],
    seconds: 1,
  };
}

describe('ensemble report data', () => {
  const rows = [
    row({ components: 2, error: 0.2 }),
    row({ components: 1, error: 0.3 }),
    row({ components: 2, points: 1, error: 0.4 }),
    row({ kind: 'deepEnsemble', components: 1, points: null, error: 0.35 }),
    row({ kind: 'deepEnsemble', components: 2, points: null, error: 0.3 }),
    row({ components: 2, temperature: 1.5, error: 0.2 }),
    row({ components: 2, severity: 1, sigma: 0.04, error: 0.5 }),
    row({ kind: 'component', label: 'a, "quoted"', component: 0, cost: 1234 }),
  ];
  it('picks the clean rows each curve draws, in order', () => {
    const r = report(rows);
    const { espro, deep } = componentCurves(r);
    expect(espro.map((x) => [x.components, x.error])).toEqual([
      [1, 0.3],
      [2, 0.2],
    ]);
    expect(deep.map((x) => x.error)).toEqual([0.35, 0.3]);
    expect(pointsCurve(r).map((x) => [x.points, x.error])).toEqual([
      [1, 0.4],
      [2, 0.2],
    ]);
    const charts = reportCharts(r);
    expect(charts.map((c) => c.id)).toEqual([
      'error-components',
      'nll-components',
      'error-points',
      'reliability',
      'error-cost',
      'error-noise',
      'nll-noise',
    ]);
    // Each legend lies wholly between the x-axis title (about 40 px under the plot) and the
    // figure's bottom edge, so it never covers the title.
    for (const c of charts) {
      const { height = 0, margin, legend } = c.layout;
      const plot = height - (margin?.t ?? 0) - (margin?.b ?? 0);
      const top = -(legend?.y ?? 0) * plot;
      expect(legend?.yanchor, c.id).toBe('top');
      expect(top, c.id).toBeGreaterThanOrEqual(45);
      expect(top + 25, c.id).toBeLessThanOrEqual(margin?.b ?? 0);
    }
    const noise = charts.find((c) => c.id === 'error-noise')?.data[0] as { x: number[]; y: number[] };
    expect(noise.x).toEqual([0, 0.04]);
    expect(noise.y).toEqual([20, 50]);
  });

  it('exports one CSV line per row with quoting and empty unknowns', () => {
    const lines = reportCsv(report(rows)).trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(rows.length + 1);
    expect(lines[1]).toBe('x,espro,,2,2,0,0,,16,0.2,0.5,0.3,0.1,');
    expect(lines[8]).toBe('"a, ""quoted""",component,1,1,2,0,0,,16,0.25,0.5,0.3,0.1,1234');
  });
});
