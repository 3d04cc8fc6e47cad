// Evaluating a simplex model on a split: logits at a point (given coefficients, a vertex, or a
// fresh random point per batch as the reference's eval does), and ESPRO's prediction (softmax
// averaged over M sampled points of each simplex). Not a training hot path: logits are read back
// and metrics are computed in plain JS (metrics.ts). Two LogitsEvaluators give the logits: the
// tfjs path below (every backend), and the compiled WebGPU forward pass that the worker and the
// CLI inject as a LogitsEvaluatorFactory where the compiled step runs (the engine never imports it).

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import type { NormStatistics } from '../model/batchNorm';
import { recomputeStatistics } from '../model/batchStatistics';
import type { SimplexModel } from '../simplex/simplexModel';
import type { ImageSplit, MakeBatch } from '../train/trainingData';
import type { Rng } from '../util/rng';
import { ProbAverager } from './ensemble';
import { classificationMetrics, nllFromLogits, softmax, type ClassificationMetrics } from './metrics';

export type EvalPoint =
  | { kind: 'coefficients'; coefficients: readonly number[] }
  | { kind: 'vertex'; vertex: number }
  /** A new point sampled on the complex for every batch (what the reference's eval reports). */
  | { kind: 'random'; rng: Rng }
  /** Batch b (of options.batchSize images) at coefficients(b), asked in batch order. */
  | { kind: 'eachBatch'; coefficients: (batch: number) => readonly number[] };

/** Logits of one model on the first `images` records of one split, pass after pass. */
export interface LogitsEvaluator {
  /** Which forward pass: the compiled WebGPU kernels, or tfjs op by op. */
  readonly kind: 'compiled' | 'tfjs';
  readonly images: number;
  /** [images × classes] at `point`. */
  logits(point: EvalPoint, options?: { signal?: AbortSignal }): Promise<Float32Array>;
  /** Takes the model's current vertices (training changed them); the images stay uploaded. */
  reload(): Promise<void>;
  dispose(): void;
}

/**
 * The compiled evaluator of `model` on the first `images` records of `split`, `batchSize` images
 * per forward pass, its inputs normalised as the caller's makeBatch normalises them (the worker's
 * and the CLI's on WebGPU).
 */
export type LogitsEvaluatorFactory = (
  model: SimplexModel,
  split: ImageSplit,
  options: { images: number; batchSize: number },
) => Promise<LogitsEvaluator | null>;

/**
 * The coefficients of batch `batch` at `point` (a vertex as its one-hot row); call once per batch
 * in order, since 'random' draws from its stream.
 */
export function batchCoefficients(
  model: Pick<SimplexModel, 'vertexCount' | 'sampleCoefficients'>,
  point: EvalPoint,
  batch: number,
): readonly number[] {
  switch (point.kind) {
    case 'coefficients':
      return point.coefficients;
    case 'vertex':
      return Array.from({ length: model.vertexCount }, (_, v) => (v === point.vertex ? 1 : 0));
    case 'random':
      return model.sampleCoefficients(point.rng);
    case 'eachBatch':
      return point.coefficients(batch);
  }
}

export interface EvalOptions {
  makeBatch: MakeBatch;
  batchSize: number;
  /** Evaluate the first `limit` records only (0 = all). */
  limit?: number;
  /** Called after each batch with the records done so far. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
  /**
   * Batch norm's statistics at each point recomputed from these training batches (normalised, not
   * augmented; the caller's to dispose); absent or empty: the stored running statistics. Ignored
   * for a network without batch norm.
   */
  recompute?: readonly tf.Tensor4D[];
}

export function evalCount(split: ImageSplit, limit = 0): number {
  return limit > 0 ? Math.min(limit, split.count) : split.count;
}

/** Logits [n × classes] of the model at `point` on the first n records of `split`. */
export async function predictLogits(
  model: SimplexModel,
  split: ImageSplit,
  point: EvalPoint,
  options: EvalOptions,
): Promise<Float32Array> {
  const n = evalCount(split, options.limit);
  const classes = model.spec.numClasses;
  const out = new Float32Array(n * classes);
  const recompute = model.hasBatchNorm ? (options.recompute ?? []) : [];
  // Recomputed statistics of the last point, kept while the batches' point stays the same.
  const cache: { recomputed: { key: string; statistics: NormStatistics[] } | null } = { recomputed: null };
  const statisticsAt = (coefficients: readonly number[]): NormStatistics[] => {
    const key = coefficients.join();
    if (cache.recomputed?.key !== key) {
      if (cache.recomputed) tf.dispose(cache.recomputed.statistics.flatMap((s) => [s.mean, s.variance]));
      // Kept: the logits' scope that asks for them must not dispose them with its own tensors.
      const statistics = tf.tidy(() => {
        const stats = recomputeStatistics(model.spec, model.mixedWeights(coefficients), recompute);
        return stats.flatMap((s) => [s.mean, s.variance]);
      });
      statistics.forEach((t) => tf.keep(t));
      cache.recomputed = {
        key,
        statistics: Array.from({ length: statistics.length / 2 }, (_, i) => ({
          mean: statistics[2 * i] as tf.Tensor1D,
          variance: statistics[2 * i + 1] as tf.Tensor1D,
        })),
      };
    }
    return cache.recomputed.statistics;
  };
  try {
    for (let start = 0; start < n; start += options.batchSize) {
      options.signal?.throwIfAborted();
      const end = Math.min(n, start + options.batchSize);
      const indices = new Uint32Array(end - start).map((_, i) => start + i);
      const batch = options.makeBatch(split, indices, null);
      const b = start / options.batchSize;
      const logits = tf.tidy(() => {
        if (point.kind === 'vertex' && recompute.length === 0)
          return model.forwardAtVertex(batch.x, point.vertex);
        const coefficients = batchCoefficients(model, point, b);
        return model.forward(
          batch.x,
          coefficients,
          recompute.length > 0
            ? { training: false, statistics: statisticsAt(coefficients) }
            : { training: false },
        );
      });
      batch.x.dispose();
      batch.labels.dispose();
      out.set(await logits.data<'float32'>(), start * classes);
      logits.dispose();
      options.onProgress?.(end, n);
    }
  } finally {
    if (cache.recomputed) tf.dispose(cache.recomputed.statistics.flatMap((s) => [s.mean, s.variance]));
  }
  return out;
}

/** The tfjs path as a LogitsEvaluator: each pass makes its batches and reads the model's tensors. */
export class TfjsLogitsEvaluator implements LogitsEvaluator {
  readonly kind = 'tfjs';
  readonly images: number;

  constructor(
    private readonly model: SimplexModel,
    private readonly split: ImageSplit,
    private readonly options: EvalOptions,
  ) {
    this.images = evalCount(split, options.limit);
  }

  logits(point: EvalPoint, options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    const signal = options.signal ?? this.options.signal;
    return predictLogits(this.model, this.split, point, { ...this.options, limit: this.images, signal });
  }

  /** Nothing to do: every pass reads the model's tensors. */
  reload(): Promise<void> {
    return Promise.resolve();
  }

  dispose(): void {}
}

/**
 * The compiled evaluator where `compiled` is given (the worker's or the CLI's WebGPU), else the
 * tfjs path's; the tfjs path's too where the compiled one does not run the model (null) or refuses
 * the images (BAD_ARGUMENT: more than one GPU binding holds), so an evaluation never fails for want of it.
 */
export async function openLogitsEvaluator(
  model: SimplexModel,
  split: ImageSplit,
  options: EvalOptions,
  compiled?: LogitsEvaluatorFactory,
): Promise<LogitsEvaluator> {
  if (compiled) {
    try {
      const evaluator = await compiled(model, split, {
        images: evalCount(split, options.limit),
        batchSize: options.batchSize,
      });
      if (evaluator) return evaluator;
    } catch (err) {
      if (!(err instanceof StudioError && err.code === 'BAD_ARGUMENT')) throw err;
    }
  }
  return new TfjsLogitsEvaluator(model, split, options);
}

export interface PointMetrics extends ClassificationMetrics {
  /** Mean cross-entropy of the logits (exact log-sum-exp). */
  loss: number;
}

export function metricsFromLogits(
  logits: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
): PointMetrics {
  const probs = softmax(logits, classes);
  return { ...classificationMetrics(probs, labels, classes), loss: nllFromLogits(logits, labels, classes) };
}

export async function evaluatePoint(
  model: SimplexModel,
  split: ImageSplit,
  point: EvalPoint,
  options: EvalOptions,
): Promise<PointMetrics> {
  return evaluateOn(new TfjsLogitsEvaluator(model, split, options), split, point, model.spec.numClasses);
}

/** Metrics at `point` from `evaluator`'s logits on its first `images` records of `split`. */
export async function evaluateOn(
  evaluator: LogitsEvaluator,
  split: ImageSplit,
  point: EvalPoint,
  classes: number,
): Promise<PointMetrics> {
  const logits = await evaluator.logits(point);
  return metricsFromLogits(logits, split.labels.subarray(0, evaluator.images), classes);
}

/**
 * ESPRO's predictive distribution: softmax averaged over `samplesPerSimplex` points drawn on each
 * simplex of each model (the paper uses 25), from each model's evaluator (all on the same images).
 * Returns probabilities [n × classes].
 */
export async function ensembleProbs(
  members: readonly { model: SimplexModel; evaluator: LogitsEvaluator }[],
  samplesPerSimplex: number,
  rng: Rng,
  options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<Float32Array> {
  const first = members[0];
  if (!first) throw new Error('ensembleProbs needs at least one model');
  const classes = first.model.spec.numClasses;
  const average = new ProbAverager(first.evaluator.images * classes);
  const total = members.reduce((s, m) => s + m.model.complex.length, 0) * samplesPerSimplex;
  let done = 0;
  for (const { model, evaluator } of members) {
    for (const simplex of model.complex) {
      for (let m = 0; m < samplesPerSimplex; m++) {
        const coefficients = model.samplePoint(simplex, rng);
        const logits = await evaluator.logits({ kind: 'coefficients', coefficients }, options);
        average.add(softmax(logits, classes));
        options.onProgress?.(++done, total);
      }
    }
  }
  return average.mean();
}
