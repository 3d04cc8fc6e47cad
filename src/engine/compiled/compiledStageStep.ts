// The compiled WebGPU step as the trainer's StageStep (engine/train/stageStep.ts): a CompiledStage
// built from the stage's SimplexModel when the stage starts, fed CPU-assembled batches, its
// vertices written back into the model at epoch ends (sync) so evaluation, checkpoints and
// exports read the model as on the tfjs path, and its momentum exported under the model's stack
// variable names, so a checkpoint of either path resumes on the other. Runs in the worker and in
// Node on Dawn.

import { compiles } from './vggProgram';
import type { SimplexModel } from '../simplex/simplexModel';
import { pairsOf, volumeOfDistances, type VolumeMeasurement } from '../simplex/volume';
import { DROPOUT_RATE } from '../model/network';
import { checkSgdState, type SgdState } from '../train/sgd';
import { sproRows, usesVolumeTerm, type SproDraw } from '../train/spro';
import type { CompiledStepFactory, StageSetup, StageStep, StepBatch, WindowSums } from '../train/stageStep';
import type { MakeHostBatch } from '../train/trainingData';
import { CompiledStage } from './compiledStage';

/** The trainer's compiled step on `device`, batches assembled by `makeHostBatch`. */
export function compiledStepFactory(device: GPUDevice, makeHostBatch: MakeHostBatch): CompiledStepFactory {
  return async (model, setup) => {
    // The tfjs path says why a stage with nothing to train cannot run, and trains the networks
    // the compiled step does not run.
    // A curve's regularizer (½·wd·|θ(t)|²) is the tfjs path's alone.
    if (!model.hasTrainable || !compiles(model.spec) || (setup.spro.l2 ?? 0) > 0) return null;
    // The distances only where the volume term pulls (the trainer measures the volume only then).
    const pull = usesVolumeTerm(model, setup.spro);
    const stage = await CompiledStage.create(
      device,
      {
        spec: model.spec,
        batch: setup.batchSize,
        draws: setup.nSample,
        pull,
        momentum: setup.sgd.momentum !== 0,
        dropoutRate: setup.spro.dropoutRate ?? DROPOUT_RATE,
        pairs: pull ? pairsOf(model.complex[0] ?? []) : [],
      },
      await model.readVertices(),
    );
    return new CompiledStageStep(stage, model, setup, makeHostBatch);
  };
}

class CompiledStageStep implements StageStep {
  readonly kind = 'compiled';
  readonly dispatchesPerStep: number;
  private sgdSteps = 0;
  private windowSteps = 0;
  private readonly stackNames: Map<string, string>;

  constructor(
    private readonly stage: CompiledStage,
    private readonly model: SimplexModel,
    private readonly setup: StageSetup,
    private readonly makeHostBatch: MakeHostBatch,
  ) {
    this.dispatchesPerStep = stage.dispatchesPerStep;
    this.stackNames = new Map(model.params.map((p, i) => [p.name, model.stacks[i]?.name ?? p.name]));
  }

  step(batch: StepBatch, draws: readonly SproDraw[], lr: number, volume: VolumeMeasurement | null): void {
    const { x, labels } = this.makeHostBatch(batch.split, batch.indices, batch.augment);
    this.stage.step(
      { images: x, labels: new Uint32Array(labels.buffer, labels.byteOffset, labels.length) },
      {
        lr,
        momentum: this.setup.sgd.momentum,
        weightDecay: this.setup.sgd.weightDecay,
        coefficients: draws.map((d) => d.coefficients),
        rows: sproRows(this.model, draws, this.setup.spro, volume),
        seeds: draws.map((d) => d.dropoutSeeds ?? [0, 0]),
      },
    );
    this.sgdSteps++;
    this.windowSteps++;
  }

  async measureVolume(): Promise<VolumeMeasurement> {
    return volumeOfDistances(await this.stage.readDistances(), this.model.complex[0] ?? []);
  }

  async readWindow(): Promise<WindowSums> {
    const sums = await this.stage.readSums();
    const count = this.windowSteps;
    this.windowSteps = 0;
    const draws = sums.loss.length;
    return {
      loss: sums.loss.reduce((a, l) => a + l, 0) / (this.setup.batchSize * draws),
      correct: sums.correct[0] ?? 0,
      count,
    };
  }

  timeSteps(steps: number): boolean {
    return this.stage.timeSteps(steps);
  }

  readStepTimes(): Promise<number[]> {
    return this.stage.readStepTimes();
  }

  async sync(): Promise<void> {
    const vertices = await this.stage.readVertices();
    vertices.forEach((vertex, v) => {
      if (!this.model.frozen[v]) this.model.writeVertex(v, vertex);
    });
  }

  async exportState(): Promise<SgdState> {
    return {
      ...this.setup.sgd,
      step: this.sgdSteps,
      buffers: await this.stage.exportMomentum((p) => this.nameOf(p), this.sgdSteps > 0),
    };
  }

  importState(state: SgdState): void {
    checkSgdState(state, this.setup.sgd);
    this.stage.importMomentum((p) => this.nameOf(p), state.buffers);
    this.sgdSteps = state.step;
  }

  dispose(): void {
    this.stage.destroy();
  }

  private nameOf(param: string): string {
    return this.stackNames.get(param) ?? param;
  }
}
