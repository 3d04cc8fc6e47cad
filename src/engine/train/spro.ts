// SPRO's objective for one batch (Benton et al. 2021, as the reference's train_epoch_volume):
//   loss = Σ_{s=1..n_sample} CE(x, y; w(α_s)) − λ · log(V + 1e-4)
// with α_s drawn on the complex (a simplex uniformly, then Dirichlet(1,…,1)) and V the volume of
// simplex 0. The reference sums the draws (its `.div(nsample)` is discarded); 'mean' divides. The
// volume term is on when λ > 0 and simplex 0 has ≥ 2 vertices (the reference trains one vertex
// with plain CE). Hot path: the tape differentiates the cross-entropy with respect to each draw's
// mixed weights only; how those gradients and the volume term reach each vertex is k×k numbers
// on the CPU (RowGradients), applied by the optimizer's own kernels. So a SPRO step dispatches
// the kernels of a plain step plus one mixing kernel per parameter, and reads nothing back
// except the k×k distances when the volume is measured.

import * as tf from '@tensorflow/tfjs';
import { StudioError } from '../../protocol/errors';
import type { SimplexModel } from '../simplex/simplexModel';
import type { BatchMoments } from '../model/batchNorm';
import { networkForward } from '../model/network';
import type { RowGradients } from '../simplex/rowKernels';
import { measureVolume, volumePull, type VolumeMeasurement } from '../simplex/volume';
import type { SgdPair } from './sgd';
import type { Rng } from '../util/rng';

export type Reduction = 'sum' | 'mean';

export interface SproOptions {
  /** λ_reg (see calibrateLambda); 0 turns the volume term off. */
  lambda: number;
  /** 'sum' over draws as the reference (its learning rates assume it), or 'mean'. */
  reduction: Reduction;
  /** Dropout rate of a draw with dropout seeds (the model's DROPOUT_RATE when absent). */
  dropoutRate?: number;
  /**
   * The curve code's regularizer: ½·l2·|θ(t)|² of each draw's mixed weights added to its loss
   * (its l2_regularizer(wd), with the optimizer's own weight decay off); it reaches only the
   * trainable points, the bends. 0 or absent: none.
   */
  l2?: number;
}

export interface SproBatch {
  /** Normalised images, NHWC [N, 32, 32, 3]. */
  x: tf.Tensor4D;
  /** Class indices, int32 [N]. */
  labels: tf.Tensor1D;
}

/** One sampled network: its mixing coefficients and, when dropout is on, its two dropout seeds. */
export interface SproDraw {
  coefficients: number[];
  dropoutSeeds: readonly [number, number] | null;
}

export interface SproResult {
  /** The objective above. */
  loss: tf.Scalar;
  /** Its cross-entropy part (Σ or mean over draws). */
  crossEntropy: tf.Scalar;
  /** Correct predictions of the first draw on the batch (training accuracy, read back later). */
  correct: tf.Scalar;
  /**
   * One pair per stack variable, its grad [S, size]: ∂(the draws' cross-entropy)/∂(draw s's mixed
   * weights), the caller's to dispose (disposeSproResult). With `rows`, the optimizer's step.
   */
  grads: SgdPair[];
  /** How each vertex's gradient comes from those and from the volume term. */
  rows: RowGradients;
  /** Each draw's batch-norm moments, draw after draw (empty without batch norm): model.foldMoments' input. */
  moments: BatchMoments[];
}

/** Mean cross-entropy over the batch, as torch.nn.CrossEntropyLoss(). */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    const perExample = tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1);
    return tf.neg(tf.mean(perExample)) as tf.Scalar;
  });
}

/** n draws from the model's complex; dropout seeds only with dropout on. Plain data, reproducible. */
export function sampleDraws(
  model: Pick<SimplexModel, 'sampleCoefficients'>,
  rng: Rng,
  nSample: number,
  dropout: boolean,
): SproDraw[] {
  if (!Number.isInteger(nSample) || nSample < 1) {
    throw new StudioError('BAD_SETTINGS', `n_sample must be a whole number ≥ 1, got ${nSample}.`);
  }
  return Array.from({ length: nSample }, () => ({
    coefficients: model.sampleCoefficients(rng),
    dropoutSeeds: dropout ? ([rng.nextUint32(), rng.nextUint32()] as const) : null,
  }));
}

/** Whether the objective has the volume term for this model (and so needs a VolumeMeasurement). */
export function usesVolumeTerm(model: Pick<SimplexModel, 'complex'>, options: SproOptions): boolean {
  return options.lambda > 0 && (model.complex[0]?.length ?? 0) >= 2;
}

/**
 * Loss and gradients for given draws; `volume` must measure the current vertices when
 * usesVolumeTerm() (its gradient is then applied to the vertices as they are at the step).
 * Synchronous and readback-free: the loss stays a tensor.
 */
export function sproLossAndGrads(
  model: SimplexModel,
  batch: SproBatch,
  draws: readonly SproDraw[],
  options: SproOptions,
  volume: VolumeMeasurement | null,
): SproResult {
  if (draws.length === 0) throw new StudioError('BAD_SETTINGS', 'SPRO needs at least one draw per step.');
  if (!model.hasTrainable) {
    throw new StudioError('BAD_ARGUMENT', 'Every vertex is frozen, so there is nothing to train.');
  }
  const withVolume = usesVolumeTerm(model, options);
  if (withVolume && volume === null) {
    throw new StudioError('INTERNAL', 'The volume term is on but no volume was measured for this step.');
  }
  const scale = options.reduction === 'mean' ? 1 / draws.length : 1;
  const paramCount = model.params.length;
  const first: { correct: tf.Scalar | null } = { correct: null };
  const moments: BatchMoments[] = [];
  const { ce, grads } = tf.tidy(() => {
    const mixed = draws.flatMap((draw) => model.mixedWeights(draw.coefficients));
    const objective = (...weights: tf.Tensor[]): tf.Scalar => {
      let total: tf.Scalar = tf.scalar(0);
      draws.forEach((draw, s) => {
        // model.train(): batch statistics, and dropout where the draw has seeds.
        const forward = {
          training: true,
          dropoutSeeds: draw.dropoutSeeds,
          ...(options.dropoutRate === undefined ? {} : { dropoutRate: options.dropoutRate }),
          ...(model.hasBatchNorm ? { moments } : {}),
        };
        const own = weights.slice(s * paramCount, (s + 1) * paramCount);
        const logits = networkForward(model.spec, own, batch.x, forward);
        first.correct ??= tf.keep(countCorrect(logits, batch.labels));
        total = tf.add(total, crossEntropy(logits, batch.labels));
        if (options.l2) {
          const squares = tf.addN(own.map((w) => tf.sum(tf.square(w))));
          total = tf.add(total, tf.mul(squares, 0.5 * options.l2));
        }
      });
      return total;
    };
    // The tape sees Σ CE: the reduction's scale goes into the rows' weights, once.
    const { value, grads } = tf.valueAndGrads(objective)(mixed);
    const rows = model.params.map((p, i) => {
      const perDraw = draws.map((_, s) => tf.reshape(grads[s * paramCount + i] as tf.Tensor, [1, p.size]));
      return perDraw.length === 1 ? (perDraw[0] as tf.Tensor) : tf.concat(perDraw, 0);
    });
    return { ce: scale === 1 ? value : tf.mul<tf.Scalar>(value, scale), grads: rows };
  });
  // λ·log(V+ε) is known on the CPU: the loss is the cross-entropy shifted by it.
  const loss =
    withVolume && volume
      ? tf.tidy(() => tf.sub<tf.Scalar>(ce, options.lambda * volume.logVolume))
      : tf.clone(ce);
  return {
    loss,
    crossEntropy: ce,
    correct: first.correct ?? tf.scalar(0),
    grads: model.stacks.map((variable, i) => ({ variable, grad: grads[i] as tf.Tensor })),
    rows: sproRows(model, draws, options, volume),
    moments,
  };
}

/**
 * How the draws' gradients (∂ Σ CE / ∂ each draw's mixed weights) and the volume term reach each
 * vertex: the reduction's scale in the weights, once; the pull when the volume term is on.
 */
export function sproRows(
  model: Pick<SimplexModel, 'complex' | 'vertexCount' | 'frozen'>,
  draws: readonly SproDraw[],
  options: SproOptions,
  volume: VolumeMeasurement | null,
): RowGradients {
  const scale = options.reduction === 'mean' ? 1 / draws.length : 1;
  const withVolume = usesVolumeTerm(model, options);
  return {
    weights: draws.map((d) => d.coefficients.map((c) => c * scale)),
    pull: withVolume && volume ? volumePull(model, volume, options.lambda) : null,
    trainable: model.frozen.map((f) => !f),
  };
}

/** How many rows of `logits` put their maximum on the label (float32 scalar). */
export function countCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32')));
}

/**
 * One batch's draws, volume measurement and loss/gradients. The only wait is the k×k distance
 * readback for the volume term (none without it).
 */
export async function computeSproGradients(
  model: SimplexModel,
  batch: SproBatch,
  rng: Rng,
  options: SproOptions & { nSample: number; training: boolean },
): Promise<SproResult & { draws: SproDraw[]; volume: VolumeMeasurement | null }> {
  const draws = sampleDraws(model, rng, options.nSample, options.training);
  const volume = usesVolumeTerm(model, options) ? await measureVolume(model) : null;
  return { ...sproLossAndGrads(model, batch, draws, options, volume), draws, volume };
}

/** Disposes what a SproResult owns (loss, crossEntropy, grads), not the model's variables or mask. */
export function disposeSproResult(result: SproResult): void {
  result.loss.dispose();
  result.crossEntropy.dispose();
  result.correct.dispose();
  result.grads.forEach((g) => {
    g.grad.dispose();
  });
  result.moments.forEach((m) => {
    m.mean.dispose();
    m.variance.dispose();
  });
}
