// The benchmark's measurements of the engine itself: training throughput (the real trainer, and
// the same VGG trained the naive way), tensor leaks and GPU reads per step, face-grid points per
// second, and a per-kernel profile of one SPRO step. No storage and no DOM, so the worker (on
// IndexedDB data) and the Node runner (on Dawn, for GPU machines without a browser) both run them.

import * as tf from '@tensorflow/tfjs';
import type { BenchParams, KernelTime, StepProfile } from '../../protocol/commands/bench';
import { defaultSettings, type TrainSettings } from '../../protocol/settings';
import type { TfVertex } from '../formats/layout';
import { type ModelSpec } from '../../protocol/architecture';
import { network, paramCount } from '../../protocol/network';
import { randomDirections } from '../landscape/directions';
import { directionModel } from '../landscape/landscape';
import { forcedConvGradients, useConvGradients, type ConvGradients } from '../model/conv3x3';
import { initVertex } from '../model/init';
import { SimplexModel, freshStatistics } from '../simplex/simplexModel';
import { openPointEvaluator, type CompiledPointEvaluatorFactory } from '../surface/pointEvaluator';
import { Sgd } from '../train/sgd';
import { disposeSproResult, sampleDraws, sproLossAndGrads } from '../train/spro';
import {
  CHECKPOINT_VERSION,
  trainRun,
  type TrainEvent,
  type TrainOptions,
  type TrainStart,
} from '../train/trainer';
import { TfjsStageStep, type CompiledStepFactory, type StageSetup, type StageStep } from '../train/stageStep';
import { makeBatch, type TrainingData } from '../train/trainingData';
import { Rng } from '../util/rng';
import { stepWork } from './flops';
import { NaiveTrainer } from './naive';

const SURFACE_IMAGES = 512;
const SURFACE_POINTS = 2;
const LEAK_STEPS = 20;
/** Metric reads (and volume refreshes) every 5 steps: what readbacks_per_step counts. */
const READ_EVERY = 5;

export type Emit = (name: string, value: number | string) => void;

/** The compiled step the benchmark trains with, and its count of GPU→CPU reads so far. */
export interface CompiledTraining {
  factory: CompiledStepFactory;
  /** The compiled surface point evaluator, which surface_points_s then times. */
  evaluator: CompiledPointEvaluatorFactory;
  reads: () => number;
}

export function benchSpec(params: BenchParams): ModelSpec {
  return { architecture: params.architecture, widthScale: params.widthScale, numClasses: 10 };
}

/** The run's shape: what every line of the benchmark's output is measured on. */
export function emitShape(params: BenchParams, emit: Emit): void {
  emit('width', params.widthScale);
  emit('batch', params.batchSize);
  emit('params_per_vertex', paramCount(benchSpec(params)));
}

/** One SPRO step's kernels under tfjs's and then the studio's conv gradients. */
export async function profileSteps(params: BenchParams, data: TrainingData): Promise<StepProfile[]> {
  const spec = benchSpec(params);
  return [
    await profileSproStep(spec, data, params.batchSize, 'tfjs'),
    await profileSproStep(spec, data, params.batchSize, 'studio'),
  ];
}

/**
 * step, base_img_s, (with the compiled step: tfjs_img_s, compiled_speedup, dispatches_per_step,
 * host_ms_per_step, wall_ms_per_step, gpu_ms_per_step and tflops where the device has
 * timestamp-query, host_ms_per_step_tfjs), naive_img_s, speedup_vs_naive, spro_img_s,
 * spro_overhead, leak_tensors, readbacks_per_step, spro5_img_s, surface_points_s and plane_points_s, in that
 * order. Training runs on the compiled step where `compiled` is given, as the tab's does.
 */
export async function measureTraining(
  params: BenchParams,
  data: TrainingData,
  emit: Emit,
  compiled?: CompiledTraining,
): Promise<void> {
  const spec = benchSpec(params);
  const options: TrainOptions = { makeBatch, ...(compiled ? { compiled: compiled.factory } : {}) };
  const otherReads = compiled?.reads ?? (() => 0);
  emit('step', compiled ? 'compiled' : 'tfjs');
  const base = await timeTraining(
    trainSettings(params, { procedure: 'base' }),
    data,
    [],
    params.steps,
    options,
    otherReads,
  );
  emit('base_img_s', base.imagesPerSecond);
  if (compiled) {
    const tfjs = await timeTraining(
      trainSettings(params, { procedure: 'base' }),
      data,
      [],
      params.steps,
      { makeBatch },
      otherReads,
    );
    emit('tfjs_img_s', tfjs.imagesPerSecond);
    emit('compiled_speedup', base.imagesPerSecond / tfjs.imagesPerSecond);
    await measureCompiledStep(spec, data, params, compiled.factory, emit);
    emit('host_ms_per_step_tfjs', (await stepTimes(spec, data, params, null)).hostMs);
  }
  const naive = await naiveImagesPerSecond(spec, data, params);
  emit('naive_img_s', naive);
  emit('speedup_vs_naive', base.imagesPerSecond / naive);

  const mode = initVertex(spec, new Rng(7), 'base');
  const second = initVertex(spec, new Rng(8), 'simplex');
  const sproSteps = Math.max(params.steps, LEAK_STEPS);
  const spro = await timeTraining(
    trainSettings(params, { procedure: 'simplex', nSample: 1 }),
    data,
    [mode, second],
    sproSteps,
    options,
    otherReads,
  );
  emit('spro_img_s', spro.imagesPerSecond);
  emit('spro_overhead', base.imagesPerSecond / spro.imagesPerSecond);
  emit('leak_tensors', spro.leakedTensors);
  emit('readbacks_per_step', spro.readbacksPerStep);
  // Five draws cost five steps each: a short window (reads every 2 steps) keeps the default run short.
  const spro5 = await timeTraining(
    trainSettings(params, { procedure: 'simplex', nSample: 5, readEvery: 2 }),
    data,
    [mode, second],
    Math.max(2, Math.round(params.steps / 5)),
    options,
    otherReads,
  );
  emit('spro5_img_s', spro5.imagesPerSecond);

  emit('surface_points_s', await surfacePointsPerSecond(spec, data, compiled?.evaluator));
  emit('plane_points_s', await planePointsPerSecond(spec, data, compiled?.evaluator));
}

function trainSettings(
  params: {
    architecture: TrainSettings['architecture'];
    widthScale: TrainSettings['widthScale'];
    batchSize: number;
    steps: number;
  },
  overrides: Partial<TrainSettings>,
): TrainSettings {
  const procedure = overrides.procedure ?? 'base';
  return {
    ...defaultSettings(procedure),
    architecture: params.architecture,
    widthScale: params.widthScale,
    batchSize: params.batchSize,
    baseEpochs: 2,
    epochsPerVertex: 1,
    vertices: 2,
    modes: procedure === 'simplex' ? ['bench-mode'] : [],
    lmbd: 1e-6,
    readEvery: READ_EVERY,
    testLimit: params.batchSize,
    ...overrides,
  };
}

interface TrainingTiming {
  imagesPerSecond: number;
  leakedTensors: number;
  readbacksPerStep: number;
}

/**
 * Runs the trainer for one epoch of `steps` + warm-up steps and times it between its first and
 * last metric reads (so shader compilation and evaluation are out). A simplex run resumes at the
 * start of its second vertex stage from two given vertices, so the timed stage trains one of
 * three vertices (the real resume path; the first stage would only be warm-up).
 */
async function timeTraining(
  base: TrainSettings,
  data: TrainingData,
  vertices: TfVertex[],
  steps: number,
  options: TrainOptions,
  otherReads: () => number,
): Promise<TrainingTiming> {
  const settings: TrainSettings = {
    ...base,
    baseEpochs: 1,
    epochsPerVertex: 1,
    trainLimit: base.batchSize * (Math.ceil(steps / base.readEvery) + 1) * base.readEvery,
  };
  const simplex = settings.procedure === 'simplex';
  const lastStage = simplex ? 1 : 0;
  const start: TrainStart = simplex
    ? {
        kind: 'resume',
        checkpoint: {
          version: CHECKPOINT_VERSION,
          settings,
          numClasses: data.numClasses,
          stage: lastStage,
          epochInStage: 0,
          step: 0,
          components: [{ vertices, complex: [[0, 1]], frozen: [true, false] }],
          optimizer: null,
          history: { steps: [], epochs: [] },
        },
      }
    : { kind: 'fresh', modes: [] };
  const reads = countReads();
  let first: { time: number; step: number; tensors: number; reads: number } | null = null;
  let last: { time: number; step: number; tensors: number; reads: number } | null = null;
  try {
    const events: AsyncGenerator<TrainEvent> = trainRun(settings, data, start, options);
    for await (const event of events) {
      if (event.type !== 'steps' || event.point.stage !== lastStage) continue;
      const mark = {
        time: performance.now(),
        step: event.point.step,
        tensors: tf.memory().numTensors,
        reads: reads.count + otherReads(),
      };
      first ??= mark;
      last = mark;
    }
  } finally {
    reads.restore();
  }
  if (!first || !last || last.step === first.step)
    throw new Error('the benchmark run produced no timed steps');
  const timedSteps = last.step - first.step;
  const images = timedSteps * settings.batchSize * (settings.procedure === 'base' ? 1 : settings.nSample);
  return {
    imagesPerSecond: (images * 1000) / (last.time - first.time),
    leakedTensors: last.tensors - first.tensors,
    readbacksPerStep: (last.reads - first.reads) / timedSteps,
  };
}

/** Steps timed for their host work: the worker's time to encode and submit one. */
const HOST_STEPS = 10;

export interface StepTimes {
  /** How long step() takes to return, its GPU work not waited for. */
  hostMs: number;
  /** From step() to its sums read back: the step alone, waited for. */
  wallMs: number;
  /** The step's GPU time from timestamps, where the step can time itself; else null. */
  gpuMs: number | null;
  dispatches: number | null;
}

/**
 * dispatches_per_step, host_ms_per_step, wall_ms_per_step and, where the device offers
 * timestamp-query, gpu_ms_per_step and tflops (the training FLOPs of the step's images over its
 * GPU time) of one compiled SPRO step.
 */
export async function measureCompiledStep(
  spec: ModelSpec,
  data: TrainingData,
  params: { batchSize: number },
  factory: CompiledStepFactory,
  emit: Emit,
): Promise<void> {
  const own = await stepTimes(spec, data, params, factory);
  emit('dispatches_per_step', own.dispatches ?? Number.NaN);
  emit('host_ms_per_step', own.hostMs);
  emit('wall_ms_per_step', own.wallMs);
  if (own.gpuMs !== null) {
    emit('gpu_ms_per_step', own.gpuMs);
    // n_sample 1: the step trains on its batch once.
    emit('tflops', (stepWork(spec).trainingFlops * params.batchSize) / (own.gpuMs / 1000) / 1e12);
  }
}

/**
 * The times of one SPRO step (3 vertices, one trainable, n_sample 1), averaged over HOST_STEPS
 * after a warm-up step, each step waiting for the last so no step's host time includes a full
 * queue's back-pressure; the GPU's timestamps are read after the timed steps. The tfjs path's
 * step when `compiled` is null.
 */
async function stepTimes(
  spec: ModelSpec,
  data: TrainingData,
  params: { batchSize: number },
  compiled: CompiledStepFactory | null,
): Promise<StepTimes> {
  const model = SimplexModel.fresh(spec, 3, new Rng(4), { frozen: [true, true, false] });
  const setup: StageSetup = {
    batchSize: params.batchSize,
    nSample: 1,
    sgd: { momentum: 0.9, weightDecay: 5e-4 },
    spro: { lambda: 0, reduction: 'sum' },
  };
  const stepper: StageStep = (await compiled?.(model, setup)) ?? new TfjsStageStep(model, setup, makeBatch);
  const rng = new Rng(8);
  const indices = new Uint32Array(params.batchSize).map((_, i) => i % data.train.count);
  const step = () => {
    stepper.step({ split: data.train, indices, augment: rng }, sampleDraws(model, rng, 1, true), 0.01, null);
  };
  try {
    step();
    await stepper.readWindow();
    const timed = stepper.timeSteps?.(HOST_STEPS) ?? false;
    let hostMs = 0;
    let wallMs = 0;
    for (let s = 0; s < HOST_STEPS; s++) {
      const start = performance.now();
      step();
      hostMs += performance.now() - start;
      await stepper.readWindow();
      wallMs += performance.now() - start;
    }
    const gpu = timed ? ((await stepper.readStepTimes?.()) ?? []) : [];
    return {
      hostMs: hostMs / HOST_STEPS,
      wallMs: wallMs / HOST_STEPS,
      gpuMs: gpu.length > 0 ? gpu.reduce((a, t) => a + t, 0) / gpu.length : null,
      dispatches: stepper.dispatchesPerStep ?? null,
    };
  } finally {
    stepper.dispose();
    model.dispose();
  }
}

/** Counts GPU→CPU reads (every Tensor.data()/dataSync() goes through the engine's read). */
function countReads(): { readonly count: number; restore(): void } {
  const engine = tf.engine() as unknown as {
    read: (id: object) => unknown;
    readSync: (id: object) => unknown;
  };
  const { read, readSync } = engine;
  const counter = {
    count: 0,
    restore() {
      engine.read = read;
      engine.readSync = readSync;
    },
  };
  engine.read = (id) => {
    counter.count++;
    return read.call(engine, id);
  };
  engine.readSync = (id) => {
    counter.count++;
    return readSync.call(engine, id);
  };
  return counter;
}

async function naiveImagesPerSecond(
  spec: ModelSpec,
  data: TrainingData,
  params: { batchSize: number; steps: number },
): Promise<number> {
  const trainer = new NaiveTrainer(spec, initVertex(spec, new Rng(3), 'base'), 0.05);
  const order = new Rng(5).permutation(data.train.count);
  const augment = new Rng(6);
  // Full batches only, going round the training set again when --steps asks for more.
  const perEpoch = Math.floor(data.train.count / params.batchSize);
  try {
    let start = 0;
    const warmUp = 2;
    for (let s = 0; s < params.steps + warmUp; s++) {
      if (s === warmUp) start = performance.now();
      const b = s % perEpoch;
      const batch = makeBatch(
        data.train,
        order.subarray(b * params.batchSize, (b + 1) * params.batchSize),
        augment,
      );
      await trainer.step(batch);
      batch.x.dispose();
      batch.labels.dispose();
    }
    return (params.steps * params.batchSize * 1000) / (performance.now() - start);
  } finally {
    trainer.dispose();
  }
}

/** Face-grid points per second: a point is one forward pass of SURFACE_IMAGES test images. */
async function surfacePointsPerSecond(
  spec: ModelSpec,
  data: TrainingData,
  compiled: CompiledPointEvaluatorFactory | undefined,
): Promise<number> {
  const model = SimplexModel.fresh(spec, 3, new Rng(9));
  try {
    return await pointsPerSecond(model, data, compiled, (s) => [0.8 - s * 0.8, s * 0.8, 0.2]);
  } finally {
    model.dispose();
  }
}

/**
 * Random-plane points per second (the Landscapes card's loss-landscape plane): the model plus two
 * filter-normalised random directions, a point θ + x·d1 + y·d2 one forward pass of SURFACE_IMAGES
 * test images, as a face's point is.
 */
async function planePointsPerSecond(
  spec: ModelSpec,
  data: TrainingData,
  compiled: CompiledPointEvaluatorFactory | undefined,
): Promise<number> {
  const origin = initVertex(spec, new Rng(10), 'base');
  const directions = randomDirections(
    network(spec).params,
    origin,
    { seed: 0, norm: 'filter', ignoreBiasBn: true },
    2,
  );
  const model = directionModel(spec, origin, directions, freshStatistics(network(spec).batchNorms));
  try {
    return await pointsPerSecond(model, data, compiled, (s) => [1, s - 0.5, 0.25]);
  } finally {
    model.dispose();
  }
}

/** SURFACE_POINTS points of `model` (coefficients from s in [0, 1]) per second, after a warm-up. */
async function pointsPerSecond(
  model: SimplexModel,
  data: TrainingData,
  compiled: CompiledPointEvaluatorFactory | undefined,
  point: (s: number) => number[],
): Promise<number> {
  // Shaders compile on one batch of the same shape; then the timed points see all 512 images.
  const warmUp = await openPointEvaluator(
    model,
    data.test,
    { images: SURFACE_IMAGES / 2, batchSize: SURFACE_IMAGES / 2 },
    compiled,
  );
  await warmUp.evaluate([point(0)]).finally(() => {
    warmUp.dispose();
  });
  // The Surfaces section's evaluator: images uploaded once, weights mixed once per point.
  const evaluator = await openPointEvaluator(model, data.test, { images: SURFACE_IMAGES }, compiled);
  try {
    const points = Array.from({ length: SURFACE_POINTS }, (_, p) => point(p / (SURFACE_POINTS - 1)));
    const start = performance.now();
    await evaluator.evaluate(points);
    return (SURFACE_POINTS * 1000) / (performance.now() - start);
  } finally {
    evaluator.dispose();
  }
}

/** Stored records to augmented batch tensors: one epoch of full batches, storage read included. */
export function loaderImagesPerSecond(data: TrainingData, batchSize: number, start: number): number {
  const order = new Rng(1).permutation(data.train.count);
  const augment = new Rng(2);
  const batches = Math.floor(data.train.count / batchSize);
  for (let b = 0; b < batches; b++) {
    const batch = makeBatch(data.train, order.subarray(b * batchSize, (b + 1) * batchSize), augment);
    batch.x.dispose();
    batch.labels.dispose();
  }
  return (batches * batchSize * 1000) / (performance.now() - start);
}

/** Kernel times of one SPRO step (3 vertices, one trainable, n_sample 1) after a warm-up step. */
async function profileSproStep(
  spec: ModelSpec,
  data: TrainingData,
  batchSize: number,
  convGradients: ConvGradients,
): Promise<StepProfile> {
  const previous = forcedConvGradients();
  useConvGradients(convGradients);
  const model = SimplexModel.fresh(spec, 3, new Rng(4), { frozen: [true, true, false] });
  const sgd = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
  const rng = new Rng(8);
  const step = async () => {
    const batch = makeBatch(
      data.train,
      new Uint32Array(batchSize).map((_, i) => i),
      rng,
    );
    const result = sproLossAndGrads(
      model,
      batch,
      sampleDraws(model, rng, 1, true),
      { lambda: 0, reduction: 'sum' },
      null,
    );
    sgd.step(result.grads, 0.01, result.rows);
    await result.loss.data();
    disposeSproResult(result);
    batch.x.dispose();
    batch.labels.dispose();
  };
  try {
    await step();
    const start = performance.now();
    const info = await tf.profile(step);
    const stepMs = performance.now() - start;
    const byKernel = new Map<string, KernelTime>();
    for (const k of info.kernels) {
      const entry = byKernel.get(k.name) ?? { kernel: k.name, calls: 0, ms: 0 };
      entry.calls++;
      entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      byKernel.set(k.name, entry);
    }
    return { convGradients, stepMs, kernels: [...byKernel.values()].sort((a, b) => b.ms - a.ms) };
  } finally {
    useConvGradients(previous);
    model.dispose();
    sgd.dispose();
  }
}
