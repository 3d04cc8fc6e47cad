// The reference's learning-rate schedule, as plain arithmetic (no tfjs): every stage (the base
// model, then each added vertex) builds a fresh torch.optim.SGD with
// CosineAnnealingLR(T_max = the stage's epochs, eta_min = 0) and calls scheduler.step() once per
// epoch, so the rate is constant within an epoch and follows the cosine across epochs. The last
// epoch runs at a small positive rate; the rate reaches 0 only after the stage ends.
//
//   lr(e) = baseLr · (1 + cos(π · e / T)) / 2,   e = 0, 1, …, T − 1 the stage's epoch index
//
// PyTorch computes this recursively from the previous epoch's rate; the closed form above is
// the same up to float rounding (checked in the tests).

import { StudioError } from '../../protocol/errors';

/** Learning rate during epoch `epoch` (0-based) of a stage of `totalEpochs` epochs. */
export function lrAt(baseLr: number, epoch: number, totalEpochs: number): number {
  if (!Number.isFinite(baseLr) || baseLr < 0) {
    throw new StudioError(
      'BAD_SETTINGS',
      `The base learning rate must be a finite number ≥ 0, got ${baseLr}.`,
    );
  }
  if (!Number.isInteger(totalEpochs) || totalEpochs < 1) {
    throw new StudioError('BAD_SETTINGS', `A stage needs a whole number of epochs ≥ 1, got ${totalEpochs}.`);
  }
  if (!Number.isInteger(epoch) || epoch < 0 || epoch >= totalEpochs) {
    throw new StudioError(
      'BAD_ARGUMENT',
      `Epoch ${epoch} is outside the stage's epochs 0…${totalEpochs - 1}.`,
    );
  }
  return (baseLr * (1 + Math.cos((Math.PI * epoch) / totalEpochs))) / 2;
}

/**
 * Learning rate for optimiser step `step` (0-based) of a stage of `totalEpochs` epochs of
 * `stepsPerEpoch` batches each: the rate of the epoch that step falls in, as the reference's
 * per-epoch scheduler gives it.
 */
export function lrAtStep(baseLr: number, step: number, stepsPerEpoch: number, totalEpochs: number): number {
  if (!Number.isInteger(stepsPerEpoch) || stepsPerEpoch < 1) {
    throw new StudioError(
      'BAD_SETTINGS',
      `An epoch needs a whole number of steps ≥ 1, got ${stepsPerEpoch}.`,
    );
  }
  if (!Number.isInteger(step) || step < 0) {
    throw new StudioError('BAD_ARGUMENT', `Step ${step} is not a whole number ≥ 0.`);
  }
  return lrAt(baseLr, Math.floor(step / stepsPerEpoch), totalEpochs);
}

/**
 * The curve code's schedule (dnn-mode-connectivity train.py learning_rate_schedule), per epoch:
 * with α = (e + 1)/T for the 0-based epoch e (it counts epochs from 1), the full rate while
 * α ≤ 0.5, then down linearly to 1% at α = 0.9, then 1%.
 */
export function curveLrAt(baseLr: number, epoch: number, totalEpochs: number): number {
  lrAt(baseLr, epoch, totalEpochs); // the same checks
  const alpha = (epoch + 1) / totalEpochs;
  const factor = alpha <= 0.5 ? 1 : alpha <= 0.9 ? 1 - ((alpha - 0.5) / 0.4) * 0.99 : 0.01;
  return factor * baseLr;
}
