// The training step of one stage, behind one interface so the trainer runs either of its two
// implementations: the tfjs path below (the reference and the fallback on every backend), and the
// compiled WebGPU step (engine/compiled/compiledStageStep.ts), which the worker hands the trainer
// through TrainOptions.compiled. Both keep loss and correct counts on the device until
// readWindow(), and both leave the stage's SimplexModel the one source of truth at epoch ends
// (sync()), so evaluation, checkpoints and exports read it as before.

import * as tf from '@tensorflow/tfjs';
import type { SimplexModel } from '../simplex/simplexModel';
import { measureVolume, type VolumeMeasurement } from '../simplex/volume';
import type { Rng } from '../util/rng';
import { Sgd, type SgdState } from './sgd';
import { disposeSproResult, sproLossAndGrads, type SproDraw, type SproOptions } from './spro';
import type { ImageSplit, MakeBatch } from './trainingData';

/** What a stage's steps share. */
export interface StageSetup {
  batchSize: number;
  /** Draws per step (n_sample). */
  nSample: number;
  sgd: { momentum: number; weightDecay: number };
  spro: SproOptions;
}

/** The records a step trains on, and the augmentation stream their batch draws from. */
export interface StepBatch {
  split: ImageSplit;
  indices: Uint32Array;
  /** Null: the images as stored (augmentation off). */
  augment: Rng | null;
}

export interface WindowSums {
  /** Σ over the window's steps of the mean (over draws) batch cross-entropy. */
  loss: number;
  /** Σ of the first draw's correct predictions. */
  correct: number;
  /** Steps in the window. */
  count: number;
}

export interface StageStep {
  /** 'tfjs' or 'compiled', as the status bar and the benchmark name it. */
  readonly kind: 'tfjs' | 'compiled';
  /** The dispatches one step encodes, where the step knows them (the compiled step). */
  readonly dispatchesPerStep?: number;
  /** One step; waits for nothing. `volume` measures the current vertices when the term is on. */
  step(batch: StepBatch, draws: readonly SproDraw[], lr: number, volume: VolumeMeasurement | null): void;
  /** Simplex 0's volume at the current vertices (k×k numbers read back). */
  measureVolume(): Promise<VolumeMeasurement>;
  /** The window's sums (one wait on the device); starts a new window. */
  readWindow(): Promise<WindowSums>;
  /** Brings the model's variables to the step's current vertices. */
  sync(): Promise<void>;
  /**
   * GPU timing of the next `steps` steps, where the step can time itself (the compiled step on a
   * device with timestamp-query); false where it cannot. For the benchmark.
   */
  timeSteps?(steps: number): boolean;
  /** Each timed step's GPU milliseconds: read after the timed steps, never between them. */
  readStepTimes?(): Promise<number[]>;
  /** The optimizer's state as a checkpoint stores it. */
  exportState(): Promise<SgdState>;
  /** Resumes the optimizer from a checkpoint's state. */
  importState(state: SgdState): void;
  dispose(): void;
}

/** Builds the compiled step for a stage's model, or answers null where it does not apply. */
export type CompiledStepFactory = (model: SimplexModel, setup: StageSetup) => Promise<StageStep | null>;

/** The tfjs path: the tape's gradients of every draw, then the optimizer's row kernels. */
export class TfjsStageStep implements StageStep {
  readonly kind = 'tfjs';
  private readonly sgd: Sgd;
  private readonly window = new DeviceSums();

  constructor(
    private readonly model: SimplexModel,
    private readonly setup: StageSetup,
    private readonly makeBatch: MakeBatch,
  ) {
    this.sgd = new Sgd(setup.sgd);
  }

  step(batch: StepBatch, draws: readonly SproDraw[], lr: number, volume: VolumeMeasurement | null): void {
    const { x, labels } = this.makeBatch(batch.split, batch.indices, batch.augment);
    try {
      const result = sproLossAndGrads(this.model, { x, labels }, draws, this.setup.spro, volume);
      this.sgd.step(result.grads, lr, result.rows);
      this.model.foldMoments(result.moments);
      const perDraw = this.setup.spro.reduction === 'sum' ? 1 / draws.length : 1;
      this.window.add(result.crossEntropy, result.correct, perDraw);
      disposeSproResult(result);
    } finally {
      x.dispose();
      labels.dispose();
    }
  }

  measureVolume(): Promise<VolumeMeasurement> {
    return measureVolume(this.model);
  }

  readWindow(): Promise<WindowSums> {
    return this.window.read();
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }

  exportState(): Promise<SgdState> {
    return this.sgd.exportState();
  }

  importState(state: SgdState): void {
    this.sgd.importState(state, this.model.stacks);
  }

  dispose(): void {
    this.sgd.dispose();
    this.window.dispose();
  }
}

/** Device-side sums of loss and correct counts over a window of steps, read back only when asked. */
class DeviceSums {
  private lossSum: tf.Scalar | null = null;
  private correctSum: tf.Scalar | null = null;
  private steps = 0;

  add(crossEntropy: tf.Scalar, correct: tf.Scalar, scale: number): void {
    const loss = tf.tidy(() =>
      this.lossSum ? tf.add(this.lossSum, tf.mul(crossEntropy, scale)) : tf.mul(crossEntropy, scale),
    );
    const right = tf.tidy(() => (this.correctSum ? tf.add(this.correctSum, correct) : tf.clone(correct)));
    this.lossSum?.dispose();
    this.correctSum?.dispose();
    this.lossSum = loss as tf.Scalar;
    this.correctSum = right as tf.Scalar;
    this.steps++;
  }

  /** One readback of both sums; resets the window. */
  async read(): Promise<WindowSums> {
    if (!this.lossSum || !this.correctSum) return { loss: 0, correct: 0, count: 0 };
    const both = tf.stack([this.lossSum, this.correctSum]);
    const [loss = Number.NaN, correct = 0] = await both.data();
    both.dispose();
    this.dispose();
    const count = this.steps;
    this.steps = 0;
    return { loss, correct, count };
  }

  dispose(): void {
    this.lossSum?.dispose();
    this.correctSum?.dispose();
    this.lossSum = null;
    this.correctSum = null;
  }
}
