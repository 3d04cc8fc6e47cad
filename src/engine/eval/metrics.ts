// Classification metrics over plain arrays: logits or probabilities as a row-major Float32Array
// of rows × classes, labels as integers. Pure JavaScript (no tfjs), so the worker, the CLI and
// the tests compute them the same way, and ensembles can average probabilities first (see
// ensemble.ts). Sums run in float64.

import { StudioError } from '../../protocol/errors';

/** Guo et al. (2017) use 15 equal-width bins; so do the paper and the studio. */
export const ECE_BINS = 15;

/** Probabilities below this count as this in NLL, so one confident mistake cannot make it ∞. */
export const NLL_PROB_FLOOR = 1e-12;

/** Labels as any integer array: Uint8Array from CIFAR records, Int32Array, number[]. */
export type Labels = ArrayLike<number>;

/** Rows in `data` after checking it is rows × classes and every label names a class. */
export function checkRows(data: Float32Array, labels: Labels, classes: number): number {
  if (!Number.isInteger(classes) || classes < 1) {
    throw new StudioError('BAD_ARGUMENT', `The class count must be a whole number ≥ 1, got ${classes}.`);
  }
  if (data.length % classes !== 0) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${data.length} values do not make whole rows of ${classes} classes.`,
    );
  }
  const rows = data.length / classes;
  if (labels.length !== rows) {
    throw new StudioError('SHAPE_MISMATCH', `${rows} rows of predictions but ${labels.length} labels.`);
  }
  if (rows === 0) throw new StudioError('BAD_ARGUMENT', 'No examples to evaluate.');
  for (let i = 0; i < rows; i++) {
    const y = labels[i] ?? -1;
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new StudioError('BAD_ARGUMENT', `Label ${y} of example ${i} is not a class in 0…${classes - 1}.`);
    }
  }
  return rows;
}

/** Index of the largest entry of row `r` (the first on ties). */
function argmaxRow(data: Float32Array, r: number, classes: number): number {
  const base = r * classes;
  let best = 0;
  let bestValue = data[base] ?? -Infinity;
  for (let c = 1; c < classes; c++) {
    const v = data[base + c] ?? -Infinity;
    if (v > bestValue) {
      bestValue = v;
      best = c;
    }
  }
  return best;
}

/**
 * Row-wise softmax of logits / temperature: p_c = exp(z_c/T − m) / Σ_j exp(z_j/T − m), with
 * m = max_j z_j/T so no exponent overflows.
 */
export function softmax(logits: Float32Array, classes: number, temperature = 1): Float32Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new StudioError('BAD_ARGUMENT', `Temperature must be a finite number > 0, got ${temperature}.`);
  }
  if (!Number.isInteger(classes) || classes < 1 || logits.length % classes !== 0) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${logits.length} logits do not make whole rows of ${classes} classes.`,
    );
  }
  const out = new Float32Array(logits.length);
  const e = new Float64Array(classes);
  for (let base = 0; base < logits.length; base += classes) {
    let m = -Infinity;
    for (let c = 0; c < classes; c++) m = Math.max(m, (logits[base + c] ?? 0) / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const v = Math.exp((logits[base + c] ?? 0) / temperature - m);
      e[c] = v;
      sum += v;
    }
    for (let c = 0; c < classes; c++) out[base + c] = (e[c] ?? 0) / sum;
  }
  return out;
}

/** Fraction of rows whose argmax is the label; works on logits or probabilities alike. */
export function accuracy(scores: Float32Array, labels: Labels, classes: number): number {
  const rows = checkRows(scores, labels, classes);
  let correct = 0;
  for (let r = 0; r < rows; r++) if (argmaxRow(scores, r, classes) === labels[r]) correct++;
  return correct / rows;
}

/** Mean over rows of −log max(p_true, NLL_PROB_FLOOR), from probabilities (e.g. an ensemble's). */
export function nll(probs: Float32Array, labels: Labels, classes: number): number {
  const rows = checkRows(probs, labels, classes);
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const p = probs[r * classes + (labels[r] ?? 0)] ?? 0;
    sum -= Math.log(Math.max(p, NLL_PROB_FLOOR));
  }
  return sum / rows;
}

/**
 * Mean cross-entropy of softmax(logits / T), exact from the logits (no floor):
 * mean over rows of logΣ_j exp(z_j/T) − z_y/T. Equals `nll(softmax(logits))` until a
 * probability underflows float32.
 */
export function nllFromLogits(
  logits: Float32Array,
  labels: Labels,
  classes: number,
  temperature = 1,
): number {
  const rows = checkRows(logits, labels, classes);
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new StudioError('BAD_ARGUMENT', `Temperature must be a finite number > 0, got ${temperature}.`);
  }
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    let m = -Infinity;
    for (let c = 0; c < classes; c++) m = Math.max(m, (logits[base + c] ?? 0) / temperature);
    let s = 0;
    for (let c = 0; c < classes; c++) s += Math.exp((logits[base + c] ?? 0) / temperature - m);
    sum += Math.log(s) + m - (logits[base + (labels[r] ?? 0)] ?? 0) / temperature;
  }
  return sum / rows;
}

/**
 * Brier score, the multi-class sum form (Brier 1950; as in Ovadia et al. 2019): mean over rows
 * of Σ_c (p_c − y_c)², y the one-hot label. Ranges over [0, 2]; some papers divide by the class
 * count, this does not.
 */
export function brier(probs: Float32Array, labels: Labels, classes: number): number {
  const rows = checkRows(probs, labels, classes);
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const base = r * classes;
    const y = labels[r] ?? 0;
    for (let c = 0; c < classes; c++) {
      const d = (probs[base + c] ?? 0) - (c === y ? 1 : 0);
      sum += d * d;
    }
  }
  return sum / rows;
}

/** One bin of a reliability diagram: rows whose confidence (max probability) lies in (lower, upper]. */
export interface ReliabilityBin {
  lower: number;
  upper: number;
  /** Rows in the bin; accuracy and confidence are 0 when it is 0. */
  count: number;
  /** Fraction of the bin's rows whose argmax is the label. */
  accuracy: number;
  /** Mean max probability over the bin's rows. */
  confidence: number;
}

/**
 * Equal-width confidence bins (lower, upper] over [0, 1], as Guo et al.'s reference code bins
 * them (up to rounding exactly at a bin edge).
 */
export function reliabilityBins(
  probs: Float32Array,
  labels: Labels,
  classes: number,
  bins: number = ECE_BINS,
): ReliabilityBin[] {
  const rows = checkRows(probs, labels, classes);
  if (!Number.isInteger(bins) || bins < 1) {
    throw new StudioError('BAD_ARGUMENT', `The bin count must be a whole number ≥ 1, got ${bins}.`);
  }
  const count = new Float64Array(bins);
  const correct = new Float64Array(bins);
  const confSum = new Float64Array(bins);
  for (let r = 0; r < rows; r++) {
    const pred = argmaxRow(probs, r, classes);
    const conf = probs[r * classes + pred] ?? 0;
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(conf * bins) - 1));
    count[b] = (count[b] ?? 0) + 1;
    confSum[b] = (confSum[b] ?? 0) + conf;
    if (pred === labels[r]) correct[b] = (correct[b] ?? 0) + 1;
  }
  return Array.from({ length: bins }, (_, b) => {
    const n = count[b] ?? 0;
    return {
      lower: b / bins,
      upper: (b + 1) / bins,
      count: n,
      accuracy: n === 0 ? 0 : (correct[b] ?? 0) / n,
      confidence: n === 0 ? 0 : (confSum[b] ?? 0) / n,
    };
  });
}

/** Expected calibration error (Guo et al. 2017): Σ_b |B_b|/n · |acc_b − conf_b| over equal-width bins. */
export function ece(probs: Float32Array, labels: Labels, classes: number, bins: number = ECE_BINS): number {
  const table = reliabilityBins(probs, labels, classes, bins);
  const rows = probs.length / classes;
  return table.reduce((s, b) => s + (b.count / rows) * Math.abs(b.accuracy - b.confidence), 0);
}

export interface ClassificationMetrics {
  n: number;
  accuracy: number;
  /** 1 − accuracy, the paper's "test error". */
  error: number;
  nll: number;
  brier: number;
  ece: number;
}

/** All the studio's table columns from one set of probabilities. */
export function classificationMetrics(
  probs: Float32Array,
  labels: Labels,
  classes: number,
  bins: number = ECE_BINS,
): ClassificationMetrics {
  const n = checkRows(probs, labels, classes);
  const acc = accuracy(probs, labels, classes);
  return {
    n,
    accuracy: acc,
    error: 1 - acc,
    nll: nll(probs, labels, classes),
    brier: brier(probs, labels, classes),
    ece: ece(probs, labels, classes, bins),
  };
}
