// Evaluating a simplex model on a split: logits at a point (given coefficients, a vertex, or a
// fresh random point per batch as the reference's eval does), and ESPRO's prediction (softmax
// averaged over M sampled points of each simplex). Not a training hot path: logits are read back
// per batch and metrics are computed in plain JS (metrics.ts).

import * as tf from '@tensorflow/tfjs';
import { sampleCoefficients } from '../simplex/complex';
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
  readonly images: number;
  /** [images × classes] at `point`. */
  logits(point: EvalPoint, options?: { signal?: AbortSignal }): Promise<Float32Array>;
  dispose(): void;
}

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
  for (let start = 0; start < n; start += options.batchSize) {
    options.signal?.throwIfAborted();
    const end = Math.min(n, start + options.batchSize);
    const indices = new Uint32Array(end - start).map((_, i) => start + i);
    const batch = options.makeBatch(split, indices, null);
    const b = start / options.batchSize;
    const logits = tf.tidy(() =>
      point.kind === 'vertex'
        ? model.forwardAtVertex(batch.x, point.vertex)
        : model.forward(batch.x, batchCoefficients(model, point, b), { training: false }),
    );
    batch.x.dispose();
    batch.labels.dispose();
    out.set(await logits.data<'float32'>(), start * classes);
    logits.dispose();
    options.onProgress?.(end, n);
  }
  return out;
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
  const logits = await predictLogits(model, split, point, options);
  const n = evalCount(split, options.limit);
  return metricsFromLogits(logits, split.labels.subarray(0, n), model.spec.numClasses);
}

/**
 * ESPRO's predictive distribution: softmax averaged over `samplesPerSimplex` points drawn on each
 * simplex of each model (the paper uses 25). Returns probabilities [n × classes].
 */
export async function ensembleProbs(
  models: readonly SimplexModel[],
  split: ImageSplit,
  samplesPerSimplex: number,
  rng: Rng,
  options: EvalOptions,
): Promise<Float32Array> {
  const first = models[0];
  if (!first) throw new Error('ensembleProbs needs at least one model');
  const classes = first.spec.numClasses;
  const n = evalCount(split, options.limit);
  const average = new ProbAverager(n * classes);
  const total = models.reduce((s, m) => s + m.complex.length, 0) * samplesPerSimplex;
  let done = 0;
  for (const model of models) {
    for (const simplex of model.complex) {
      for (let m = 0; m < samplesPerSimplex; m++) {
        const coefficients = sampleCoefficients([simplex], model.vertexCount, rng);
        const logits = await predictLogits(
          model,
          split,
          { kind: 'coefficients', coefficients },
          {
            ...options,
            onProgress: undefined,
          },
        );
        average.add(softmax(logits, classes));
        options.onProgress?.(++done, total);
      }
    }
  }
  return average.mean();
}
