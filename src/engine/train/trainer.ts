// Runs a whole training procedure (base model, simplex around a mode, mode-connecting complex,
// ESPRO ensemble) as one resumable async generator of events. Pure engine: the worker and the
// CLI drive it, persist its checkpoints and draw its metrics.
//
// Resumability: every random stream restarts at each epoch from (seed, stage, epoch), and a
// checkpoint is the state at an epoch boundary (vertices, frozen flags, complex, optimizer
// buffers, step, history). Resuming from one reaches exactly the weights of an uninterrupted run.
// Pausing costs nothing: the generator is simply not advanced.
//
// Hot path: no GPU readback per step. Losses and correct counts accumulate on the device and are
// read every `readEvery` steps, when the volume term's CPU determinant is also refreshed (its
// gradient is applied every step from the current vertices).

import { StudioError } from '../../protocol/errors';
import { completeSettings, trainImagesUsed, type TrainSettings } from '../../protocol/settings';
import type { EpochPoint, StepPoint, TrainHistory, TrainProgress } from '../../protocol/commands/train';
import type { RunningStatistics, TfVertex } from '../formats/layout';
import type { ModelSpec } from '../../protocol/architecture';
import {
  evaluateOn,
  openLogitsEvaluator,
  type EvalOptions,
  type LogitsEvaluator,
  type LogitsEvaluatorFactory,
} from '../eval/evaluate';
import { SimplexModel } from '../simplex/simplexModel';
import { calibrateLambda, measureVolume, type VolumeMeasurement } from '../simplex/volume';
import { Rng } from '../util/rng';
import { deriveSeed } from '../util/seeds';
import { planStages, type Stage } from './plan';
import { curveLrAt, lrAt } from './schedule';
import { linearBendWeight } from '../../protocol/curve';
import type { SgdState } from './sgd';
import { sampleDraws } from './spro';
import { TfjsStageStep, type CompiledStepFactory, type StageSetup, type StageStep } from './stageStep';
import type { MakeBatch, TrainingData } from './trainingData';

/** One simplex (or complex) of the run: an ESPRO ensemble has one per component. */
export interface ComponentState {
  vertices: TfVertex[];
  complex: number[][];
  frozen: boolean[];
  /**
   * Batch norm's running statistics, shared by the component's vertices ([] without batch norm;
   * absent in checkpoints stored before batch-norm networks existed, which had none).
   */
  statistics?: RunningStatistics;
}

/** Everything a run needs to go on from an epoch boundary. Structured-clonable, not JSON. */
export const CHECKPOINT_VERSION = 1;

export interface TrainCheckpoint {
  version: number;
  settings: TrainSettings;
  numClasses: number;
  /** The stage to run next and how many of its epochs are already done. */
  stage: number;
  epochInStage: number;
  step: number;
  /** Components built so far; the current stage's component is last. */
  components: ComponentState[];
  /** Null at a stage boundary (each stage starts a fresh optimizer, as the reference does). */
  optimizer: SgdState | null;
  history: TrainHistory;
  /** Starting weights from a file for the stages not begun yet (TrainStart's `init`). */
  starts?: StageStart[];
}

/** The weights a stage's new vertex starts from, instead of seeded initialisation or the centroid. */
export interface StageStart {
  stage: number;
  vertex: TfVertex;
}

export type TrainEvent =
  | {
      type: 'stage';
      stage: number;
      stageCount: number;
      label: string;
      lambda: number;
      simplexSize: number;
      /** Where the run stands as the stage starts, so a label is never ahead of the counters. */
      progress: TrainProgress;
    }
  | { type: 'steps'; point: StepPoint; progress: TrainProgress }
  | { type: 'epoch'; point: EpochPoint; progress: TrainProgress }
  /** After every epoch; `component` is the one that epoch trained. */
  | { type: 'checkpoint'; checkpoint: TrainCheckpoint; component: number }
  | { type: 'done'; components: ComponentState[]; history: TrainHistory };

export type TrainStart =
  | {
      kind: 'fresh';
      modes: TfVertex[];
      /**
       * The running statistics a run from modes starts with (the first mode's, for a batch-norm
       * network; the reference re-estimates them while training): absent, PyTorch's fresh ones.
       */
      statistics?: RunningStatistics;
      /**
       * Starting weights of the run's new vertices (a controlled comparison), one per stage in
       * order: a base run's vertex, a simplex's added vertices, a complex's connectors, an
       * ensemble's vertices component by component. Absent: seeded initialisation for a base
       * vertex, the centroid of the vertices it joins for the others.
       */
      init?: readonly TfVertex[];
    }
  | { kind: 'resume'; checkpoint: TrainCheckpoint };

export interface TrainOptions {
  makeBatch: MakeBatch;
  /** Images per evaluation batch (defaults to the training batch size). */
  evalBatchSize?: number;
  /** The compiled WebGPU step, where the worker offers it; the tfjs path otherwise. */
  compiled?: CompiledStepFactory;
  /** The compiled forward pass for the test evaluation after each epoch (offered with `compiled`);
   *  the tfjs path otherwise. */
  evaluator?: LogitsEvaluatorFactory;
  /** Told which step each stage runs. */
  onStep?: (kind: StageStep['kind']) => void;
  /** Asked after every step: true ends the window there (its metrics are read and yielded), so
   *  a pause or a stop takes effect at the next step rather than at the next `readEvery`. */
  interrupted?: () => boolean;
}

export function modelSpecOf(settings: TrainSettings, numClasses: number): ModelSpec {
  return { architecture: settings.architecture, widthScale: settings.widthScale, numClasses };
}

/** Steps per epoch: full batches only, so shapes stay static (the partial last batch is dropped). */
export function stepsPerEpoch(settings: TrainSettings, trainCount: number): number {
  return Math.floor(trainImagesUsed(settings, trainCount) / settings.batchSize);
}

export async function* trainRun(
  given: TrainSettings,
  data: TrainingData,
  start: TrainStart,
  options: TrainOptions,
): AsyncGenerator<TrainEvent, void, undefined> {
  const settings = completeSettings(given);
  const spec = modelSpecOf(settings, data.numClasses);
  const stages = planStages(settings);
  const perEpoch = stepsPerEpoch(settings, data.train.count);
  if (perEpoch < 1) {
    const used = trainImagesUsed(settings, data.train.count);
    throw new StudioError(
      'BAD_SETTINGS',
      `The batch size ${settings.batchSize} is larger than the ${used} training images used; lower it or use more images.`,
    );
  }
  const state =
    start.kind === 'resume'
      ? resumeState(start.checkpoint, settings, data)
      : freshState(settings, data, start, stages.length);
  const stageSteps = stages.map((s) => s.epochs * perEpoch);
  const planned = stageSteps.reduce((a, b) => a + b, 0);
  const totalSteps = settings.stopAfter > 0 ? Math.min(planned, settings.stopAfter) : planned;
  const clock = new Throughput(settings.batchSize);
  let model: SimplexModel | null = null;
  let stepper: StageStep | null = null;
  // The stage's test evaluator, opened at its first epoch's end and refreshed at the others': the
  // compiled one keeps the test images uploaded for the whole stage (a stage's vertex count fixes
  // its shapes, so the next stage opens its own).
  let tester: LogitsEvaluator | null = null;
  const evalOptions: EvalOptions = {
    makeBatch: options.makeBatch,
    batchSize: options.evalBatchSize ?? settings.batchSize,
    limit: settings.testLimit,
  };
  try {
    run: for (let s = state.stage; s < stages.length; s++) {
      const stage = stages[s] as Stage;
      const freshStage = state.epochInStage === 0;
      tester?.dispose();
      tester = null;
      stepper?.dispose();
      stepper = null;
      model?.dispose();
      model = buildModel(spec, state, s, stage, settings.seed);
      const lambda = await stageLambda(spec, stage, settings);
      // Each stage starts a fresh optimizer, as the reference does (a new vertex changes shapes).
      // A curve's weight decay is the curve code's: ½·wd·|θ(t)|² in the loss, none in the optimizer.
      const curve = stage.kind === 'curve';
      const setup: StageSetup = {
        batchSize: settings.batchSize,
        nSample: stage.nSample,
        sgd: { momentum: settings.momentum, weightDecay: curve ? 0 : settings.weightDecay },
        spro: {
          lambda,
          reduction: settings.reduction,
          dropoutRate: settings.dropout,
          ...(curve ? { l2: settings.weightDecay } : {}),
        },
      };
      stepper =
        (await options.compiled?.(model, setup)) ?? new TfjsStageStep(model, setup, options.makeBatch);
      options.onStep?.(stepper.kind);
      if (!freshStage && state.optimizer) stepper.importState(state.optimizer);
      yield {
        type: 'stage',
        stage: s,
        stageCount: stages.length,
        label: stage.label,
        lambda,
        simplexSize: stage.simplexSize,
        progress: progressOf(state.step, totalSteps, s, stages.length, stageSteps, clock),
      };

      const firstEpoch = state.epochInStage;
      for (let epoch = firstEpoch; epoch < stage.epochs; epoch++) {
        const lr =
          stage.kind === 'curve'
            ? curveLrAt(stage.lr, epoch, stage.epochs)
            : lrAt(stage.lr, epoch, stage.epochs);
        const epochStart = performance.now();
        const shuffle = settings.shuffle
          ? new Rng(deriveSeed(settings.seed, 'shuffle', s, epoch)).permutation(data.train.count)
          : Uint32Array.from({ length: data.train.count }, (_, i) => i);
        const order = settings.trainLimit > 0 ? shuffle.filter((i) => i < settings.trainLimit) : shuffle;
        const augment = settings.augment ? new Rng(deriveSeed(settings.seed, 'augment', s, epoch)) : null;
        const draws = new Rng(deriveSeed(settings.seed, 'draws', s, epoch));
        const epochTotals = { loss: 0, correct: 0, count: 0 };
        let volume: VolumeMeasurement | null = null;
        let unread = 0;
        clock.epochStart(epoch > firstEpoch);
        for (let b = 0; b < perEpoch; b++) {
          const indices = order.subarray(b * settings.batchSize, (b + 1) * settings.batchSize);
          if (lambda > 0 && volume === null) volume = await stepper.measureVolume();
          stepper.step(
            { split: data.train, indices, augment },
            sampleDraws(model, draws, stage.nSample, settings.dropout > 0),
            lr,
            volume,
          );
          state.step++;
          unread++;
          const stopping = state.step === settings.stopAfter;
          if (
            (b + 1) % settings.readEvery === 0 ||
            b === perEpoch - 1 ||
            stopping ||
            options.interrupted?.()
          ) {
            // The volume for the next steps is measured with the metrics: one wait on the GPU.
            const next: Promise<VolumeMeasurement | null> =
              lambda > 0 && b < perEpoch - 1 ? stepper.measureVolume() : Promise.resolve(volume);
            const [{ loss, correct, count }, measured] = await Promise.all([stepper.readWindow(), next]);
            clock.windowRead(unread, stage.nSample);
            unread = 0;
            volume = measured;
            if (!Number.isFinite(loss)) {
              throw new StudioError(
                'NAN_LOSS',
                `The training loss became ${String(loss)} at step ${state.step} (${stage.label}, epoch ${epoch + 1}). ` +
                  'The run stopped and its last checkpoint is kept: lower the learning rate or LMBD and start again.',
              );
            }
            epochTotals.loss += loss;
            epochTotals.correct += correct;
            epochTotals.count += count;
            const point: StepPoint = {
              step: state.step,
              stage: s,
              epoch: epoch + 1,
              loss: loss / count,
              accuracy: correct / (count * settings.batchSize),
              lr,
            };
            state.history.steps.push(point);
            yield {
              type: 'steps',
              point,
              progress: progressOf(state.step, totalSteps, s, stages.length, stageSteps, clock),
            };
          }
          if (stopping) break;
        }
        await stepper.sync();
        if (tester) await tester.reload();
        else tester = await openLogitsEvaluator(model, data.test, evalOptions, options.evaluator);
        const test = await evaluateOn(
          tester,
          data.test,
          { kind: 'random', rng: new Rng(deriveSeed(settings.seed, 'eval', s, epoch)) },
          spec.numClasses,
        );
        const vol =
          !model.curve && model.complex[0] && model.complex[0].length >= 2
            ? (await measureVolume(model)).volume
            : null;
        const epochPoint: EpochPoint = {
          stage: s,
          epoch: epoch + 1,
          step: state.step,
          trainLoss: epochTotals.loss / epochTotals.count,
          trainAccuracy: epochTotals.correct / (epochTotals.count * settings.batchSize),
          testLoss: test.loss,
          testAccuracy: test.accuracy,
          volume: vol,
          lambda,
          lr,
          seconds: (performance.now() - epochStart) / 1000,
        };
        state.history.epochs.push(epochPoint);
        checkLearning(state.history, epochPoint, spec.numClasses, stage.label);
        yield {
          type: 'epoch',
          point: epochPoint,
          progress: progressOf(state.step, totalSteps, s, stages.length, stageSteps, clock),
        };

        // A stop after N steps ends the run here, mid-epoch or not: nothing is left to resume.
        const stopped = state.step === settings.stopAfter;
        const stageDone = epoch === stage.epochs - 1 || stopped;
        state.components[stage.component] = await readComponent(model);
        state.stage = stopped ? stages.length : stageDone ? s + 1 : s;
        state.epochInStage = stageDone ? 0 : epoch + 1;
        state.optimizer = stageDone ? null : await stepper.exportState();
        // Only the starts of stages not begun yet stay: a begun stage's is in its vertices now.
        const unbegun = state.epochInStage === 0 ? state.stage : state.stage + 1;
        if (state.starts) state.starts = state.starts.filter((x) => x.stage >= unbegun);
        yield { type: 'checkpoint', checkpoint: snapshot(state), component: stage.component };
        if (stopped) break run;
      }
    }
    yield { type: 'done', components: state.components, history: state.history };
  } finally {
    tester?.dispose();
    stepper?.dispose();
    model?.dispose();
  }
}

function freshState(
  settings: TrainSettings,
  data: TrainingData,
  { modes, init, statistics }: TrainStart & { kind: 'fresh' },
  stageCount: number,
): TrainCheckpoint {
  if (init && init.length !== stageCount) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `This ${settings.procedure} run adds ${stageCount} vertices; starting weights were given for ${init.length}.`,
    );
  }
  const components: ComponentState[] = [];
  if (settings.procedure === 'curve') {
    if (init) {
      throw new StudioError(
        'BAD_SETTINGS',
        'A curve starts its bends on the straight line between its ends; it takes no starting weights.',
      );
    }
    components.push({ ...curveStart(modes, settings.numBends), ...(statistics ? { statistics } : {}) });
  } else if (settings.procedure === 'simplex' || settings.procedure === 'complex') {
    if (modes.length !== settings.modes.length) {
      throw new StudioError(
        'BAD_SETTINGS',
        `${settings.modes.length} modes were chosen but ${modes.length} were loaded.`,
      );
    }
    components.push({
      vertices: modes,
      complex: modes.map((_, i) => [i]),
      frozen: modes.map(() => true),
      ...(statistics ? { statistics } : {}),
    });
  }
  return {
    version: CHECKPOINT_VERSION,
    settings,
    numClasses: data.numClasses,
    stage: 0,
    epochInStage: 0,
    step: 0,
    components,
    optimizer: null,
    history: { steps: [], epochs: [] },
    ...(init ? { starts: init.map((vertex, stage) => ({ stage, vertex })) } : {}),
  };
}

/** A checkpoint is refused unless it was written by a run with exactly these settings and data. */
function resumeState(
  checkpoint: TrainCheckpoint,
  settings: TrainSettings,
  data: TrainingData,
): TrainCheckpoint {
  if (checkpoint.version !== CHECKPOINT_VERSION) {
    throw new StudioError(
      'BAD_CHECKPOINT',
      `This checkpoint has format version ${String(checkpoint.version)}; this studio reads version ${CHECKPOINT_VERSION}.`,
    );
  }
  const saved = completeSettings(checkpoint.settings);
  const differing = (Object.keys(settings) as (keyof TrainSettings)[]).filter(
    (key) => JSON.stringify(settings[key]) !== JSON.stringify(saved[key]),
  );
  if (differing.length > 0) {
    throw new StudioError(
      'BAD_CHECKPOINT',
      `This checkpoint was written with other settings (${differing.join(', ')} differ); start a new run instead.`,
    );
  }
  if (checkpoint.numClasses !== data.numClasses) {
    throw new StudioError(
      'BAD_CHECKPOINT',
      `This checkpoint is for ${checkpoint.numClasses} classes but the dataset has ${data.numClasses}.`,
    );
  }
  return { ...structuredClone(checkpoint), settings: saved };
}

/** The model the stage trains: its component as stored, grown by the stage's vertex when it starts. */
function buildModel(
  spec: ModelSpec,
  state: TrainCheckpoint,
  index: number,
  stage: Stage,
  seed: number,
): SimplexModel {
  const name = `component${stage.component}`;
  const stored = state.components[stage.component];
  const init = state.epochInStage === 0 ? state.starts?.find((x) => x.stage === index)?.vertex : undefined;
  if (state.epochInStage === 0 && stage.kind === 'base') {
    if (init) return SimplexModel.fromVertices(spec, [init], { name });
    const model = SimplexModel.fresh(spec, 1, new Rng(deriveSeed(seed, 'init', stage.component)), {
      scheme: 'base',
      name,
    });
    return model;
  }
  if (!stored)
    throw new StudioError(
      'BAD_CHECKPOINT',
      `The checkpoint has no vertices for component ${stage.component + 1}.`,
    );
  const model = SimplexModel.fromVertices(spec, stored.vertices, {
    frozen: stored.frozen,
    complex: stored.complex,
    name,
    ...(stored.statistics ? { statistics: stored.statistics } : {}),
    ...(stage.kind === 'curve' ? { curve: state.settings.curve } : {}),
  });
  if (state.epochInStage === 0 && stage.kind === 'vertex') model.addVertex(stage.joins, init);
  return model;
}

async function stageLambda(spec: ModelSpec, stage: Stage, settings: TrainSettings): Promise<number> {
  if (!stage.volume || settings.lmbd <= 0) return 0;
  const rng = new Rng(deriveSeed(settings.seed, 'lambda', stage.simplexSize));
  return (await calibrateLambda(spec, stage.simplexSize, settings.lmbd, rng)).lambda;
}

async function readComponent(model: SimplexModel): Promise<ComponentState> {
  return {
    vertices: await model.readVertices(),
    complex: model.complex.map((s) => [...s]),
    frozen: [...model.frozen],
    statistics: await model.readStatistics(),
  };
}

/** A copy for the consumer to keep: later epochs mutate `state`. */
function snapshot(state: TrainCheckpoint): TrainCheckpoint {
  return {
    ...state,
    components: state.components.map((c) => ({ ...c, vertices: [...c.vertices] })),
    history: { steps: [...state.history.steps], epochs: [...state.history.epochs] },
  };
}

function progressOf(
  step: number,
  totalSteps: number,
  stage: number,
  stageCount: number,
  stageSteps: number[],
  clock: Throughput,
): TrainProgress {
  const before = stageSteps.slice(0, stage).reduce((a, b) => a + b, 0);
  const imagesPerSecond = clock.imagesPerSecond();
  const stepsPerSecond = clock.stepsPerSecond();
  return {
    step,
    totalSteps,
    stage,
    stageCount,
    stageStep: step - before,
    stageSteps: stageSteps[stage] ?? 0,
    imagesPerSecond,
    secondsLeft: stepsPerSecond > 0 ? (totalSteps - step) / stepsPerSecond : Number.NaN,
  };
}

/**
 * Training throughput from the step windows whose sums were read back, so the device had finished
 * them: a step is only queued when `step` returns, and a rate from those times would run far
 * ahead of the GPU. A window is timed from the previous read, or from the epoch's start (the
 * evaluation before it has drained the queue); a stage's first window in this process is not
 * timed at all, since it holds the pipelines' compilation (and a resume's warm-up).
 */
class Throughput {
  private readonly windows: { ms: number; steps: number; images: number }[] = [];
  private since: number | null = null;

  constructor(private readonly batchSize: number) {}

  /** The epoch's steps start now on an idle device; `timed` false when they include compiling. */
  epochStart(timed: boolean): void {
    this.since = timed ? performance.now() : null;
  }

  /** A window of `steps` steps of `draws` draws each has just been read back. */
  windowRead(steps: number, draws: number): void {
    const now = performance.now();
    if (this.since !== null && now > this.since) {
      this.windows.push({ ms: now - this.since, steps, images: steps * draws * this.batchSize });
      if (this.windows.length > 20) this.windows.shift();
    }
    this.since = now;
  }

  /** 0 while nothing has been timed yet ("measuring"). */
  stepsPerSecond(): number {
    return this.per((w) => w.steps);
  }

  imagesPerSecond(): number {
    return this.per((w) => w.images);
  }

  private per(count: (w: { steps: number; images: number }) => number): number {
    const ms = this.windows.reduce((a, w) => a + w.ms, 0);
    return ms > 0 ? (this.windows.reduce((a, w) => a + count(w), 0) * 1000) / ms : 0;
  }
}

/**
 * A curve's control points before training: the two modes as its fixed ends, each free bend on
 * the straight line between them (the curve code's init_linear: bend j at j/(K − 1) of the way).
 */
export function curveStart(modes: readonly TfVertex[], bends: number): Omit<ComponentState, 'statistics'> {
  const [a, b] = modes;
  if (!a || !b || modes.length !== 2) {
    throw new StudioError('BAD_SETTINGS', `A curve joins two modes; ${modes.length} were loaded.`);
  }
  const vertices = Array.from({ length: bends }, (_, j): TfVertex => {
    if (j === 0) return a;
    if (j === bends - 1) return b;
    const alpha = linearBendWeight(j, bends);
    return a.map((x, i) => {
      const y = b[i] as Float32Array;
      return x.map((v, e) => alpha * (y[e] as number) + (1 - alpha) * v) as typeof x;
    });
  });
  return {
    vertices,
    complex: [vertices.map((_, j) => j)],
    frozen: vertices.map((_, j) => j === 0 || j === bends - 1),
  };
}

/** Within this fraction of ln C, an epoch's training loss is at chance level. */
const CHANCE_MARGIN = 0.02;
/** Below this fraction of ln C, a read window shows the run had learned something. */
const LEARNED = 0.9;

/**
 * DIVERGED when the epoch just finished sat at chance level (its mean training loss within 2% of
 * ln C, its accuracy no better than 1.5/C) after some earlier window of the run had been clearly
 * below it (under 0.9·ln C): a rate too high for the batch size undoes what the run learned, and
 * the run should say so rather than finish as if it had trained.
 */
export function checkLearning(
  history: TrainHistory,
  epoch: EpochPoint,
  classes: number,
  label: string,
): void {
  const chance = Math.log(classes);
  const atChance = epoch.trainLoss >= (1 - CHANCE_MARGIN) * chance && epoch.trainAccuracy <= 1.5 / classes;
  if (!atChance) return;
  const learned = history.steps.some((p) => p.step < epoch.step && p.loss < LEARNED * chance);
  if (!learned) return;
  throw new StudioError(
    'DIVERGED',
    `The run diverged: after learning (its loss had gone below ${(LEARNED * chance).toFixed(2)}), epoch ${epoch.epoch} of ${label} ended at chance level ` +
      `(loss ${epoch.trainLoss.toFixed(3)}, ln ${classes} = ${chance.toFixed(3)}; accuracy ${(100 * epoch.trainAccuracy).toFixed(1)}%). ` +
      'The run stopped and its last checkpoint is kept: lower the learning rate and start again.',
  );
}
