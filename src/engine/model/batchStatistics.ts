// Batch-norm statistics at a point (the curve code's `update_bn`, dnn-mode-connectivity): a point
// inside a simplex, on a curve or a plane has no running statistics of its own, and the stored
// ones were accumulated at random training draws, so evaluating there with them gives wrong
// losses. Recomputing: reset the statistics, run training batches through the network at the
// point in train mode with momentum b/(seen + b) for a batch of b, which makes each layer's
// statistics the size-weighted average of the batches' means and unbiased variances; then
// evaluate in eval mode with them. Pure engine: kernels only, nothing read back.

import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../protocol/architecture';
import { StudioError } from '../../protocol/errors';
import type { BatchMoments, NormStatistics } from './batchNorm';
import { networkForward } from './network';

/** How a point's batch-norm statistics are had: the stored running ones, or recomputed there. */
export type StatisticsMode = 'stored' | 'recomputed';

/**
 * Each batch-norm layer's statistics recomputed at `weights` (a point's mixed weights, tf layout)
 * from `batches` (normalised training images, not augmented), as update_bn makes them. Call inside tf.tidy, or dispose the result.
 */
export function recomputeStatistics(
  spec: ModelSpec,
  weights: readonly tf.Tensor[],
  batches: readonly tf.Tensor4D[],
): NormStatistics[] {
  if (batches.length === 0) {
    throw new StudioError(
      'BAD_ARGUMENT',
      'Recomputing batch-norm statistics needs at least one training batch.',
    );
  }
  return tf.tidy(() => {
    let means: tf.Tensor1D[] = [];
    let variances: tf.Tensor1D[] = [];
    let seen = 0;
    for (const x of batches) {
      const moments: BatchMoments[] = [];
      networkForward(spec, weights, x, { training: true, moments }).dispose();
      const b = x.shape[0];
      // Running sums of b·mean and b·(unbiased variance); divided by Σb at the end.
      const weighted = moments.map((m) => ({
        mean: tf.mul<tf.Tensor1D>(m.mean, b),
        variance: tf.mul<tf.Tensor1D>(m.variance, (b * m.count) / Math.max(1, m.count - 1)),
      }));
      tf.dispose(moments.flatMap((m) => [m.mean, m.variance]));
      means =
        seen === 0 ? weighted.map((w) => w.mean) : means.map((s, i) => tf.add(s, weighted[i]?.mean ?? 0));
      variances =
        seen === 0
          ? weighted.map((w) => w.variance)
          : variances.map((s, i) => tf.add(s, weighted[i]?.variance ?? 0));
      seen += b;
    }
    return means.map((m, i) => ({
      mean: tf.div<tf.Tensor1D>(m, seen),
      variance: tf.div<tf.Tensor1D>(variances[i] as tf.Tensor1D, seen),
    }));
  });
}
