// The Ensembles section's report from predictions already read back from the device: ESPRO over
// the first k components and m points, the deep ensemble of base modes, each component alone, the
// reference's one-random-point-per-batch number, temperature scaling and noise rows. Pure
// JavaScript over rows × classes arrays (no tfjs), so every number in the table is unit-tested on
// hand-made logits; componentPredictions.ts produces the inputs on the device.
//
// Temperature scaling of an averaged prediction treats log p̄ as its logits (softmax(log p̄ / T)),
// so one T per predictor is fitted on held-out data without evaluating the members again.

import type { MetricRow, PredictorKind, ReliabilitySeries } from '../../protocol/commands/ensembles';
import { StudioError } from '../../protocol/errors';
import { Rng } from '../util/rng';
import { deriveSeed } from '../util/seeds';
import { ProbAverager, averageProbs } from './ensemble';
import {
  NLL_PROB_FLOOR,
  classificationMetrics,
  reliabilityBins,
  softmax,
  type ClassificationMetrics,
  type Labels,
} from './metrics';
import { fitTemperature } from './temperature';

/** One component's predictions on one split. */
export interface ComponentPredictions {
  /** Softmax averaged over its first m sampled points, for each m of the point grid. */
  probsByPoints: ReadonlyMap<number, Float32Array>;
  /** Logits of its base mode. */
  modeLogits: Float32Array;
  /** Logits at a fresh random point of its simplex for every batch (as the reference evaluates). */
  randomLogits: Float32Array;
}

export interface SplitPredictions {
  labels: Labels;
  classes: number;
  components: readonly ComponentPredictions[];
}

/**
 * Streams sampled points' probabilities into their running mean and keeps a copy of the mean after
 * the m-th point for each m of the grid, so "error against M" needs no second evaluation.
 */
export class PointSnapshots {
  private readonly average: ProbAverager;
  private readonly snapshots = new Map<number, Float32Array>();

  constructor(
    length: number,
    private readonly grid: readonly number[],
  ) {
    this.average = new ProbAverager(length);
  }

  add(probs: Float32Array): void {
    this.average.add(probs);
    if (this.grid.includes(this.average.count)) this.snapshots.set(this.average.count, this.average.mean());
  }

  get byPoints(): ReadonlyMap<number, Float32Array> {
    return this.snapshots;
  }
}

/** The grid's entries below M, then M: the points per simplex of the "error against M" rows. */
export function pointGrid(grid: readonly number[], pointsPerSimplex: number): number[] {
  return [...grid.filter((m) => m < pointsPerSimplex), pointsPerSimplex];
}

function pointsOf(c: ComponentPredictions, m: number): Float32Array {
  const probs = c.probsByPoints.get(m);
  if (!probs) throw new StudioError('INTERNAL', `No ${m}-point average was kept for a component.`);
  return probs;
}

function firstK<T>(items: readonly T[], k: number): T[] {
  if (!Number.isInteger(k) || k < 1 || k > items.length) {
    throw new StudioError('BAD_ARGUMENT', `Asked for the first ${k} of ${items.length} components.`);
  }
  return items.slice(0, k);
}

/** ESPRO: softmax averaged over m points of each of the first k components (equal points each). */
export function esproProbs(preds: SplitPredictions, k: number, m: number): Float32Array {
  return averageProbs(firstK(preds.components, k).map((c) => pointsOf(c, m)));
}

/** The deep ensemble: softmax averaged over the base modes of the first k components. */
export function deepEnsembleProbs(preds: SplitPredictions, k: number): Float32Array {
  return averageProbs(firstK(preds.components, k).map((c) => softmax(c.modeLogits, preds.classes)));
}

/**
 * The whole ensemble evaluated as the reference logs it: per batch, one component picked
 * uniformly and its random-point logits for that batch.
 */
export function oneRandomPointPerBatch(
  randomLogits: readonly Float32Array[],
  classes: number,
  batchSize: number,
  rng: Rng,
): Float32Array {
  const first = randomLogits[0];
  if (!first) throw new StudioError('BAD_ARGUMENT', 'No components to pick from.');
  const out = new Float32Array(first.length);
  const step = batchSize * classes;
  for (let start = 0; start < first.length; start += step) {
    const pick = randomLogits[rng.int(randomLogits.length)] ?? first;
    out.set(pick.subarray(start, Math.min(first.length, start + step)), start);
  }
  return out;
}

/** log max(p, floor): an averaged prediction as logits, for temperature scaling. */
export function logProbs(probs: Float32Array): Float32Array {
  return probs.map((p) => Math.log(Math.max(p, NLL_PROB_FLOOR)));
}

/** What a predictor outputs: logits (one network) or averaged probabilities (an ensemble). */
export type Scores = { kind: 'logits'; values: Float32Array } | { kind: 'probs'; values: Float32Array };

/** Probabilities at temperature T (null = as predicted). */
export function scoresToProbs(scores: Scores, classes: number, temperature: number | null): Float32Array {
  if (scores.kind === 'probs' && temperature === null) return scores.values;
  const logits = scores.kind === 'logits' ? scores.values : logProbs(scores.values);
  return softmax(logits, classes, temperature ?? 1);
}

export function scoresToLogits(scores: Scores): Float32Array {
  return scores.kind === 'logits' ? scores.values : logProbs(scores.values);
}

/** A predictor of the report: how to get its scores on any split's predictions. */
interface Predictor {
  kind: PredictorKind;
  label: string;
  component: number | null;
  components: number;
  points: number | null;
  cost: number | null;
  /** Fit and report a temperature for it. */
  calibrate: boolean;
  reliability: boolean;
  /** Also reported under noise. */
  noise: boolean;
  scores: (preds: SplitPredictions) => Scores;
}

export interface ReportInput {
  test: SplitPredictions;
  /** Predictions on the held-out slice for temperature scaling; null = none. */
  heldOut: SplitPredictions | null;
  noisy: readonly { severity: number; sigma: number; predictions: SplitPredictions }[];
  componentLabels: readonly string[];
  /** Per component: its simplex's vertex count (absent: more than one). A one-vertex component's
   *  points and random points are its base mode, so it gets that one row, not three equal ones. */
  componentVertices?: readonly number[];
  /** Per component: its training cost and its base mode's, null where unknown. */
  costs: readonly { cost: number | null; modeCost: number | null }[];
  pointsPerSimplex: number;
  /** Points per simplex for the "error against M" rows (see pointGrid). */
  pointGrid: readonly number[];
  /** The batch size the random-point logits were made with. */
  batchSize: number;
  seed: number;
}

export interface ReportTables {
  rows: MetricRow[];
  reliability: ReliabilitySeries[];
}

/** Sum of known costs; null if any is unknown. */
export function totalCost(costs: readonly (number | null)[]): number | null {
  let total = 0;
  for (const c of costs) {
    if (c === null) return null;
    total += c;
  }
  return total;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function predictors(input: ReportInput): Predictor[] {
  const K = input.componentLabels.length;
  const M = input.pointsPerSimplex;
  const costs = (k: number) => totalCost(input.costs.slice(0, k).map((c) => c.cost));
  const modeCosts = (k: number) => totalCost(input.costs.slice(0, k).map((c) => c.modeCost));
  const out: Predictor[] = [];
  for (let k = 1; k <= K; k++) {
    out.push({
      kind: 'espro',
      label: `ESPRO: ${plural(k, 'component')} × ${plural(M, 'point')}`,
      component: null,
      components: k,
      points: M,
      cost: costs(k),
      calibrate: k === K,
      reliability: k === K,
      noise: k === K,
      scores: (p) => ({ kind: 'probs', values: esproProbs(p, k, M) }),
    });
  }
  for (const m of input.pointGrid.filter((m) => m < M)) {
    out.push({
      kind: 'espro',
      label: `ESPRO: ${plural(K, 'component')} × ${plural(m, 'point')}`,
      component: null,
      components: K,
      points: m,
      cost: costs(K),
      calibrate: false,
      reliability: false,
      noise: false,
      scores: (p) => ({ kind: 'probs', values: esproProbs(p, K, m) }),
    });
  }
  for (let k = 1; k <= K; k++) {
    out.push({
      kind: 'deepEnsemble',
      label: `Deep ensemble: ${plural(k, 'base mode')}`,
      component: null,
      components: k,
      points: null,
      cost: modeCosts(k),
      calibrate: k === K,
      reliability: k === K,
      noise: k === K,
      scores: (p) => ({ kind: 'probs', values: deepEnsembleProbs(p, k) }),
    });
  }
  input.componentLabels.forEach((name, c) => {
    const cost = input.costs[c] ?? { cost: null, modeCost: null };
    const at = (p: SplitPredictions) => {
      const component = p.components[c];
      if (!component) throw new StudioError('INTERNAL', `No predictions for component ${c + 1}.`);
      return component;
    };
    const mode: Predictor = {
      kind: 'componentMode',
      label: `${name}: base mode`,
      component: c,
      components: 1,
      points: null,
      cost: cost.modeCost,
      calibrate: true,
      reliability: false,
      noise: true,
      scores: (p) => ({ kind: 'logits', values: at(p).modeLogits }),
    };
    if (input.componentVertices?.[c] === 1) {
      out.push(mode);
      return;
    }
    out.push(
      {
        kind: 'component',
        label: `${name}: ${plural(M, 'point')}`,
        component: c,
        components: 1,
        points: M,
        cost: cost.cost,
        calibrate: true,
        reliability: false,
        noise: true,
        scores: (p) => ({ kind: 'probs', values: pointsOf(at(p), M) }),
      },
      mode,
      {
        kind: 'randomPoint',
        label: `${name}: one random point per batch`,
        component: c,
        components: 1,
        points: null,
        cost: cost.cost,
        calibrate: false,
        reliability: false,
        noise: false,
        scores: (p) => ({ kind: 'logits', values: at(p).randomLogits }),
      },
    );
  });
  out.push({
    kind: 'randomPoint',
    label: 'All components: one random point per batch (what the reference logs as test accuracy)',
    component: null,
    components: K,
    points: null,
    cost: costs(K),
    calibrate: false,
    reliability: false,
    noise: false,
    scores: (p) => ({
      kind: 'logits',
      values: oneRandomPointPerBatch(
        p.components.map((c) => c.randomLogits),
        p.classes,
        input.batchSize,
        new Rng(deriveSeed(input.seed, 'random-component')),
      ),
    }),
  });
  return out;
}

function row(
  p: Predictor,
  metrics: ClassificationMetrics,
  severity: number,
  sigma: number,
  temperature: number | null,
): MetricRow {
  const key = [
    p.kind,
    p.component ?? 'all',
    `k${p.components}`,
    `m${p.points ?? '-'}`,
    `s${severity}`,
    temperature === null ? 'raw' : 'ts',
  ].join(':');
  return {
    key,
    label: p.label,
    kind: p.kind,
    component: p.component,
    components: p.components,
    points: p.points,
    severity,
    sigma,
    temperature,
    images: metrics.n,
    error: metrics.error,
    nll: metrics.nll,
    brier: metrics.brier,
    ece: metrics.ece,
    cost: p.cost,
  };
}

/** Every row of the report and the reliability diagrams, from predictions on each split. */
export function buildReport(input: ReportInput): ReportTables {
  const { test, heldOut } = input;
  const rows: MetricRow[] = [];
  const reliability: ReliabilitySeries[] = [];
  const all = predictors(input);
  const temperatures = new Map<Predictor, number>();
  for (const p of all) {
    const scores = p.scores(test);
    const probs = scoresToProbs(scores, test.classes, null);
    rows.push(row(p, classificationMetrics(probs, test.labels, test.classes), 0, 0, null));
    if (p.reliability) {
      reliability.push({ label: p.label, bins: reliabilityBins(probs, test.labels, test.classes) });
    }
    if (heldOut && p.calibrate) {
      const fit = fitTemperature(scoresToLogits(p.scores(heldOut)), heldOut.labels, heldOut.classes);
      temperatures.set(p, fit.temperature);
      const scaled = scoresToProbs(scores, test.classes, fit.temperature);
      rows.push(row(p, classificationMetrics(scaled, test.labels, test.classes), 0, 0, fit.temperature));
      if (p.reliability) {
        reliability.push({
          label: `${p.label}, T = ${fit.temperature.toFixed(2)}`,
          bins: reliabilityBins(scaled, test.labels, test.classes),
        });
      }
    }
  }
  // Noise rows, and again at the clean fit's temperature (calibration under shift, as Ovadia et
  // al. 2019 report it: T is not refitted on shifted data).
  for (const { severity, sigma, predictions } of input.noisy) {
    const { labels, classes } = predictions;
    for (const p of all.filter((q) => q.noise)) {
      const scores = p.scores(predictions);
      const raw = scoresToProbs(scores, classes, null);
      rows.push(row(p, classificationMetrics(raw, labels, classes), severity, sigma, null));
      const t = temperatures.get(p);
      if (t !== undefined) {
        const scaled = scoresToProbs(scores, classes, t);
        rows.push(row(p, classificationMetrics(scaled, labels, classes), severity, sigma, t));
      }
    }
  }
  return { rows, reliability };
}
