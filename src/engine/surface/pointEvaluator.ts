// Pure engine: loss and error of a simplex model at many points (mixing coefficients) on the same
// N images, behind one interface with two implementations: the tfjs path below (every backend),
// and the compiled WebGPU evaluator (engine/compiled/compiledEvaluator.ts), which the worker
// passes to openPointEvaluator where training runs the compiled step. Both upload the images once;
// each point costs one weight mix and one forward pass per batch, and the per-point sums stay on
// the device until a group of points is read back in one go (one sync per group, not per point).
// This is what surface grids, edge profiles, clicks and the `surface_points_s` benchmark time.
// A network with batch norm is evaluated at each point with the stored running statistics (the
// reference's behaviour) or with statistics recomputed there (batchStatistics.ts): then each
// point also costs N training-mode passes over N uploaded training batches.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import { recomputeStatistics } from '../model/batchStatistics';
import { networkForward } from '../model/network';
import type { SimplexModel } from '../simplex/simplexModel';
import { batchMaker, type Batch, type ChannelNormalisation, type ImageSplit } from '../train/trainingData';

export interface PointValue {
  /** Mean cross-entropy over the images: mean of logΣ_j exp(z_j) − z_y. */
  loss: number;
  /** Fraction of images whose argmax is not the label. */
  error: number;
}

export interface PointEvaluatorOptions {
  /** The first `images` records of the split (at most its count). */
  images: number;
  /** Images per forward pass. Default 256. */
  batchSize?: number;
  /** The inputs' normalisation; default (null) the reference's. Never augmented. */
  normalisation?: ChannelNormalisation | null;
  /**
   * Batch norm's statistics at each point: recomputed from the first `batches` batches of
   * `batchSize` images of `split` (the training split, not augmented); absent or null, the stored
   * running statistics. Ignored for a network without batch norm.
   */
  recompute?: RecomputeSource | null;
}

/** The training images a point's batch-norm statistics are recomputed from. */
export interface RecomputeSource {
  split: ImageSplit;
  batches: number;
  batchSize: number;
}

/** The batches a RecomputeSource names, as tensors (the caller disposes them); BAD_ARGUMENT if the split is too small. */
export function recomputeBatches(
  source: RecomputeSource,
  normalisation: ChannelNormalisation | null,
): tf.Tensor4D[] {
  const { split, batches, batchSize } = source;
  if (!Number.isInteger(batches) || batches < 1 || !Number.isInteger(batchSize) || batchSize < 2) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `Recomputing batch-norm statistics needs at least 1 batch of at least 2 images (asked for ${batches} of ${batchSize}).`,
    );
  }
  const size = Math.min(batchSize, split.count);
  const count = Math.min(batches, Math.floor(split.count / size));
  if (count < 1 || size < 2) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `The training split holds ${split.count} images: too few to recompute batch-norm statistics.`,
    );
  }
  const make = batchMaker(normalisation);
  return Array.from({ length: count }, (_, b) => {
    const batch = make(
      split,
      new Uint32Array(size).map((_, i) => b * size + i),
      null,
    );
    batch.labels.dispose();
    return batch.x;
  });
}

export interface EvaluateOptions {
  signal?: AbortSignal;
  /** After each group of points read back. */
  onProgress?: (done: number, total: number) => void;
}

export interface PointEvaluator {
  /** Images each point is evaluated on. */
  readonly images: number;
  /** Loss and error at each coefficient vector (one coefficient per model vertex, any real values). */
  evaluate(points: readonly (readonly number[])[], options?: EvaluateOptions): Promise<PointValue[]>;
  dispose(): void;
}

/** Builds the compiled evaluator for a model (the worker's, on WebGPU); null where it does not run the model. */
export type CompiledPointEvaluatorFactory = (
  model: SimplexModel,
  split: ImageSplit,
  options: PointEvaluatorOptions,
) => Promise<PointEvaluator | null>;

/** Points read back per sync: large enough to keep the GPU busy, small enough to cancel promptly. */
export const POINTS_PER_READ = 8;

/** The first `options.images` of the split (at most its count), or BAD_ARGUMENT. */
export function evaluatedImages(split: ImageSplit, options: PointEvaluatorOptions): number {
  const n = Math.min(options.images, split.count);
  if (!Number.isInteger(n) || n < 1) {
    throw new StudioError('BAD_ARGUMENT', `Evaluate on at least one image (asked for ${options.images}).`);
  }
  return n;
}

/**
 * The compiled evaluator where `compiled` is given (the worker's WebGPU) and runs the model, else
 * the tfjs path's.
 */
export async function openPointEvaluator(
  model: SimplexModel,
  split: ImageSplit,
  options: PointEvaluatorOptions,
  compiled?: CompiledPointEvaluatorFactory,
): Promise<PointEvaluator> {
  return (
    (compiled && (await compiled(model, split, options))) ?? new TfjsPointEvaluator(model, split, options)
  );
}

export class TfjsPointEvaluator implements PointEvaluator {
  readonly images: number;
  private batches: (Batch & { oneHot: tf.Tensor2D })[];
  /** Training batches for recomputed batch-norm statistics; empty: the stored ones. */
  private recompute: tf.Tensor4D[];
  private disposed = false;

  constructor(
    private readonly model: SimplexModel,
    split: ImageSplit,
    options: PointEvaluatorOptions,
  ) {
    const n = evaluatedImages(split, options);
    const batchSize = Math.max(1, options.batchSize ?? 256);
    const make = batchMaker(options.normalisation ?? null);
    this.images = n;
    this.recompute =
      options.recompute && model.hasBatchNorm
        ? recomputeBatches(options.recompute, options.normalisation ?? null)
        : [];
    this.batches = [];
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(n, start + batchSize);
      const indices = new Uint32Array(end - start).map((_, i) => start + i);
      const batch = make(split, indices, null);
      const oneHot = tf.tidy(() => tf.oneHot(batch.labels, model.spec.numClasses).toFloat() as tf.Tensor2D);
      this.batches.push({ ...batch, oneHot });
    }
  }

  async evaluate(
    points: readonly (readonly number[])[],
    options: EvaluateOptions = {},
  ): Promise<PointValue[]> {
    if (this.disposed) throw new StudioError('INTERNAL', 'This point evaluator was disposed.');
    const out: PointValue[] = [];
    for (let start = 0; start < points.length; start += POINTS_PER_READ) {
      options.signal?.throwIfAborted();
      const group = points.slice(start, start + POINTS_PER_READ);
      // [group, 2]: per point Σ cross-entropy and number of mistakes over all images.
      const sums = tf.tidy(() => tf.stack(group.map((coeffs) => this.pointSums(coeffs))));
      const values = await sums.data<'float32'>();
      sums.dispose();
      group.forEach((_, i) => {
        out.push({
          loss: (values[2 * i] as number) / this.images,
          error: (values[2 * i + 1] as number) / this.images,
        });
      });
      options.onProgress?.(out.length, points.length);
    }
    return out;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const b of this.batches) tf.dispose([b.x, b.labels, b.oneHot]);
    tf.dispose(this.recompute);
    this.batches = [];
    this.recompute = [];
  }

  /** [Σ CE, Σ mistakes] at one point. Call inside tf.tidy. */
  private pointSums(coeffs: readonly number[]): tf.Tensor1D {
    // Mixed once per point, shared by every batch (and by the statistics' recomputation).
    const weights = this.model.mixedWeights(coeffs);
    const forward = this.model.withStatistics(
      this.recompute.length > 0
        ? { training: false, statistics: recomputeStatistics(this.model.spec, weights, this.recompute) }
        : { training: false },
    );
    let total: tf.Tensor1D | null = null;
    for (const batch of this.batches) {
      const logits = networkForward(this.model.spec, weights, batch.x, forward);
      const ce = tf.sum(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, batch.oneHot), 1)));
      const wrong = tf.sum(tf.cast(tf.notEqual(tf.argMax(logits, 1), batch.labels), 'float32'));
      const part = tf.stack([ce, wrong]) as tf.Tensor1D;
      total = total ? tf.add<tf.Tensor1D>(total, part) : part;
    }
    return total as tf.Tensor1D;
  }
}

/**
 * The tfjs path's loss and error at K points on the first N images of `split`, in one call:
 * uploads the images, evaluates, frees everything (the reference the grid tests compare with).
 */
export async function evaluateSurfacePoints(
  model: SimplexModel,
  split: ImageSplit,
  points: readonly (readonly number[])[],
  options: PointEvaluatorOptions & { signal?: AbortSignal },
): Promise<PointValue[]> {
  const evaluator = new TfjsPointEvaluator(model, split, options);
  try {
    return await evaluator.evaluate(points, { signal: options.signal });
  } finally {
    evaluator.dispose();
  }
}
