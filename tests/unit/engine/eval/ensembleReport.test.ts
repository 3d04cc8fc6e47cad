// The ensemble report on hand-made predictions: each row's numbers against metrics.ts and hand
// arithmetic, the identities the paper's plots rest on (M identical points = that point, the
// first-k curve at k = 1 = the component alone), temperature scaling on an over-confident model.

import { describe, expect, it } from 'vitest';
import {
  PointSnapshots,
  buildReport,
  deepEnsembleProbs,
  esproProbs,
  oneRandomPointPerBatch,
  pointGrid,
  totalCost,
  type ComponentPredictions,
  type ReportInput,
  type SplitPredictions,
} from '../../../../src/engine/eval/ensembleReport';
import { averageProbs } from '../../../../src/engine/eval/ensemble';
import { classificationMetrics, softmax } from '../../../../src/engine/eval/metrics';
import { Rng } from '../../../../src/engine/util/rng';
import type { MetricRow } from '../../../../src/protocol/commands/ensembles';

const f32 = (xs: number[]) => new Float32Array(xs);

/** A component whose M-point mean is `probs` at every grid size, with the given mode logits. */
function component(probs: Float32Array, modeLogits: Float32Array, grid: number[]): ComponentPredictions {
  return {
    probsByPoints: new Map(grid.map((m) => [m, probs])),
    modeLogits,
    randomLogits: modeLogits,
  };
}

function input(test: SplitPredictions, extra: Partial<ReportInput> = {}): ReportInput {
  return {
    test,
    heldOut: null,
    noisy: [],
    componentLabels: test.components.map((_, c) => `#${c + 1}`),
    costs: test.components.map(() => ({ cost: 100, modeCost: 60 })),
    pointsPerSimplex: 2,
    pointGrid: [1, 2],
    batchSize: 2,
    seed: 1,
    ...extra,
  };
}

const find = (rows: MetricRow[], pred: (r: MetricRow) => boolean): MetricRow => {
  const r = rows.find(pred);
  if (!r) throw new Error('row not found');
  return r;
};

describe('ensemble report', () => {
  it('gives the hand-computed error, NLL, Brier and 15-bin ECE for ESPRO', () => {
    // Two components whose means are [0.9,0.1],[0.3,0.7] and [0.7,0.3],[0.5,0.5]: ESPRO averages
    // to [0.8,0.2] and [0.4,0.6]; both labels are class 0.
    const a = component(f32([0.9, 0.1, 0.3, 0.7]), f32([0, 0, 0, 0]), [1, 2]);
    const b = component(f32([0.7, 0.3, 0.5, 0.5]), f32([0, 0, 0, 0]), [1, 2]);
    const test: SplitPredictions = { labels: [0, 0], classes: 2, components: [a, b] };
    const { rows } = buildReport(input(test));
    const espro = find(rows, (r) => r.kind === 'espro' && r.components === 2 && r.points === 2);
    expect(espro.error).toBeCloseTo(0.5, 12);
    expect(espro.nll).toBeCloseTo(-(Math.log(0.8) + Math.log(0.4)) / 2, 6);
    expect(espro.brier).toBeCloseTo((0.2 ** 2 * 2 + 0.6 ** 2 * 2) / 2, 6);
    // Confidence 0.8 is right (gap 0.2), 0.6 is wrong (gap 0.6), in different bins.
    expect(espro.ece).toBeCloseTo(0.5 * 0.2 + 0.5 * 0.6, 6);
    expect(espro.images).toBe(2);
    expect(espro.cost).toBe(200);
    expect(espro.label).toBe('ESPRO: 2 components × 2 points');
  });

  it('agrees with metrics.ts on every clean row', () => {
    const rng = new Rng(7);
    const classes = 3;
    const n = 20;
    const labels = Array.from({ length: n }, () => rng.int(classes));
    const randomLogits = () => f32(Array.from({ length: n * classes }, () => 3 * rng.normal()));
    const grid = [1, 2];
    const comps = [0, 1, 2].map(() => {
      const snaps = new PointSnapshots(n * classes, grid);
      snaps.add(softmax(randomLogits(), classes));
      snaps.add(softmax(randomLogits(), classes));
      return { probsByPoints: snaps.byPoints, modeLogits: randomLogits(), randomLogits: randomLogits() };
    });
    const test: SplitPredictions = { labels, classes, components: comps };
    const { rows } = buildReport(input(test));
    const check = (row: MetricRow, probs: Float32Array) => {
      const want = classificationMetrics(probs, labels, classes);
      expect(row.error).toBeCloseTo(want.error, 12);
      expect(row.nll).toBeCloseTo(want.nll, 6);
      expect(row.brier).toBeCloseTo(want.brier, 6);
      expect(row.ece).toBeCloseTo(want.ece, 6);
    };
    for (let k = 1; k <= 3; k++) {
      const mean = averageProbs(comps.slice(0, k).map((c) => c.probsByPoints.get(2) as Float32Array));
      check(
        find(rows, (r) => r.kind === 'espro' && r.components === k && r.points === 2),
        mean,
      );
      const deep = averageProbs(comps.slice(0, k).map((c) => softmax(c.modeLogits, classes)));
      check(
        find(rows, (r) => r.kind === 'deepEnsemble' && r.components === k),
        deep,
      );
      expect(deepEnsembleProbs(test, k)).toEqual(deep);
    }
    const oneEach = averageProbs(comps.map((c) => c.probsByPoints.get(1) as Float32Array));
    check(
      find(rows, (r) => r.kind === 'espro' && r.points === 1),
      oneEach,
    );
    comps.forEach((c, i) => {
      check(
        find(rows, (r) => r.kind === 'componentMode' && r.component === i),
        softmax(c.modeLogits, classes),
      );
      check(
        find(rows, (r) => r.kind === 'randomPoint' && r.component === i),
        softmax(c.randomLogits, classes),
      );
    });
    // Keys are unique: the ESPRO row at K components and M points is not listed twice.
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });

  it('makes the first-k curve at k = 1 the first component alone', () => {
    const a = component(f32([0.6, 0.4, 0.2, 0.8, 0.5, 0.5]), f32([1, 0, 0, 2, 3, 1]), [1, 2]);
    const b = component(f32([0.1, 0.9, 0.7, 0.3, 0.4, 0.6]), f32([0, 1, 2, 0, 1, 1]), [1, 2]);
    const { rows } = buildReport(input({ labels: [0, 1, 1], classes: 2, components: [a, b] }));
    const first = find(rows, (r) => r.kind === 'espro' && r.components === 1);
    const alone = find(rows, (r) => r.kind === 'component' && r.component === 0);
    const deep1 = find(rows, (r) => r.kind === 'deepEnsemble' && r.components === 1);
    const mode = find(rows, (r) => r.kind === 'componentMode' && r.component === 0);
    for (const key of ['error', 'nll', 'brier', 'ece'] as const) {
      expect(first[key]).toBe(alone[key]);
      expect(deep1[key]).toBe(mode[key]);
    }
    expect(first.cost).toBe(alone.cost);
    expect(deep1.cost).toBe(60);
  });

  it('gives a one-vertex component one row, not its equal points, mode and random-point rows', () => {
    const a = component(f32([0.6, 0.4, 0.2, 0.8]), f32([1, 0, 0, 2]), [1, 2]);
    const b = component(f32([0.1, 0.9, 0.7, 0.3]), f32([0, 1, 2, 0]), [1, 2]);
    const test = { labels: [0, 1], classes: 2, components: [a, b] };
    const perComponent = (rows: MetricRow[], c: number) =>
      rows.filter((r) => r.component === c && r.severity === 0 && r.temperature === null).map((r) => r.label);
    const { rows } = buildReport(input(test, { componentVertices: [1, 3] }));
    expect(perComponent(rows, 0)).toEqual(['#1: base mode']);
    expect(perComponent(rows, 1)).toEqual([
      '#2: 2 points',
      '#2: base mode',
      '#2: one random point per batch',
    ]);
    // The one row is the mode's, calibrated and under noise as before.
    expect(find(rows, (r) => r.component === 0 && r.temperature === null).kind).toBe('componentMode');
  });

  it('keeps the mean after each grid size, and M identical points give that point', () => {
    const p = softmax(f32([0.3, -1.2, 2.5, 0.01, 7, -3]), 3);
    const q = softmax(f32([1, 1, 1, 2, 0, -2]), 3);
    const snaps = new PointSnapshots(6, pointGrid([1, 2, 5, 10, 25], 3));
    snaps.add(p);
    snaps.add(q);
    snaps.add(q);
    expect(snaps.byPoints.get(1)).toEqual(p);
    expect([...snaps.byPoints.keys()]).toEqual([1, 2, 3]);
    expect(snaps.byPoints.get(3)).toEqual(averageProbs([p, q, q]));

    const same = new PointSnapshots(6, [25]);
    for (let m = 0; m < 25; m++) same.add(p);
    expect(same.byPoints.get(25)).toEqual(p);
    const test: SplitPredictions = {
      labels: [2, 1],
      classes: 3,
      components: [
        {
          probsByPoints: same.byPoints,
          modeLogits: f32([0, 0, 0, 0, 0, 0]),
          randomLogits: f32([0, 0, 0, 0, 0, 0]),
        },
      ],
    };
    expect(esproProbs(test, 1, 25)).toEqual(p);
  });

  it('lists ESPRO at each grid size below M, and at M once', () => {
    expect(pointGrid([1, 2, 5, 10, 25], 25)).toEqual([1, 2, 5, 10, 25]);
    expect(pointGrid([1, 2, 5, 10, 25], 7)).toEqual([1, 2, 5, 7]);
    expect(pointGrid([1, 2, 5, 10, 25], 1)).toEqual([1]);
    const grid = pointGrid([1, 2, 5, 10, 25], 5);
    const c = component(f32([0.9, 0.1]), f32([2, 0]), grid);
    const { rows } = buildReport(
      input({ labels: [0], classes: 2, components: [c] }, { pointsPerSimplex: 5, pointGrid: grid }),
    );
    expect(rows.filter((r) => r.kind === 'espro').map((r) => r.points)).toEqual([5, 1, 2]);
  });

  it('picks one component per batch for the reference-style random-point row', () => {
    const a = f32([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const b = f32([2, 2, 2, 2, 2, 2, 2, 2, 2, 2]);
    // 5 rows of 2 classes, batches of 2 rows: batches are rows {0,1}, {2,3}, {4}.
    const out = oneRandomPointPerBatch([a, b], 2, 2, new Rng(3));
    for (const [start, end] of [
      [0, 4],
      [4, 8],
      [8, 10],
    ] as const) {
      const batch = [...out.subarray(start, end)];
      expect(batch.every((v) => v === batch[0])).toBe(true);
    }
    // Deterministic for a seed.
    expect(oneRandomPointPerBatch([a, b], 2, 2, new Rng(3))).toEqual(out);
  });

  it('lowers NLL with temperature scaling on an over-confident model and leaves error alone', () => {
    const rng = new Rng(11);
    const classes = 4;
    const makeSplit = (n: number): SplitPredictions => {
      const labels: number[] = [];
      const logits = new Float32Array(n * classes);
      for (let i = 0; i < n; i++) {
        const y = rng.int(classes);
        labels.push(y);
        // Right about 70% of the time, with logits scaled ×8: far too sure.
        const guess = rng.next() < 0.7 ? y : rng.int(classes);
        for (let c = 0; c < classes; c++)
          logits[i * classes + c] = 8 * ((c === guess ? 2 : 0) + rng.normal());
      }
      const probs = softmax(logits, classes);
      return { labels, classes, components: [component(probs, logits, [1])] };
    };
    const test = makeSplit(400);
    const heldOut = makeSplit(400);
    const { rows, reliability } = buildReport(
      input(test, { heldOut, pointsPerSimplex: 1, pointGrid: [1], componentLabels: ['#1'] }),
    );
    for (const kind of ['espro', 'deepEnsemble', 'component', 'componentMode'] as const) {
      const raw = find(rows, (r) => r.kind === kind && r.temperature === null && r.severity === 0);
      const scaled = find(rows, (r) => r.kind === kind && r.temperature !== null && r.severity === 0);
      expect(scaled.temperature, kind).toBeGreaterThan(2);
      expect(scaled.nll, kind).toBeLessThan(raw.nll * 0.8);
      expect(scaled.ece, kind).toBeLessThan(raw.ece);
      expect(scaled.error, kind).toBe(raw.error);
    }
    // Reliability diagrams for ESPRO and the deep ensemble, before and after.
    expect(reliability.map((r) => r.label)).toEqual([
      'ESPRO: 1 component × 1 point',
      expect.stringMatching(/^ESPRO: 1 component × 1 point, T = /) as string,
      'Deep ensemble: 1 base mode',
      expect.stringMatching(/^Deep ensemble: 1 base mode, T = /) as string,
    ]);
    expect(reliability[0]?.bins).toHaveLength(15);
  });

  it('adds noise rows for the main predictors at each severity', () => {
    const c = component(f32([0.9, 0.1, 0.2, 0.8]), f32([2, 0, 0, 1]), [1, 2]);
    const clean: SplitPredictions = { labels: [0, 1], classes: 2, components: [c] };
    const noisy = [1, 2].map((severity) => ({
      severity,
      sigma: severity * 0.04,
      predictions: { ...clean, labels: [1, 1] },
    }));
    const { rows } = buildReport(input(clean, { noisy, componentLabels: ['#1'] }));
    const shifted = rows.filter((r) => r.severity > 0);
    expect(shifted.map((r) => `${r.kind}@${r.sigma}`)).toEqual([
      'espro@0.04',
      'deepEnsemble@0.04',
      'component@0.04',
      'componentMode@0.04',
      'espro@0.08',
      'deepEnsemble@0.08',
      'component@0.08',
      'componentMode@0.08',
    ]);
    expect(shifted[0]?.error).toBeCloseTo(0.5, 12);
  });

  it('sums costs only when all are known', () => {
    expect(totalCost([1, 2, 3])).toBe(6);
    expect(totalCost([1, null])).toBeNull();
    expect(totalCost([])).toBe(0);
  });
});
