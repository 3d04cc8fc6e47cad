import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { defaultSettings, type TrainSettings } from '../../../../src/protocol/settings';
import { generateSynthetic } from '../../../../src/engine/data/synthetic';
import { initVertex } from '../../../../src/engine/model/init';
import { Rng } from '../../../../src/engine/util/rng';
import {
  modelSpecOf,
  trainRun,
  type ComponentState,
  type TrainCheckpoint,
  type TrainEvent,
  type TrainStart,
} from '../../../../src/engine/train/trainer';
import { makeBatch, type MakeBatch, type TrainingData } from '../../../../src/engine/train/trainingData';
import { TfjsStageStep } from '../../../../src/engine/train/stageStep';
import { freshStatistics } from '../../../../src/engine/simplex/simplexModel';
import { network } from '../../../../src/protocol/network';

function syntheticData(trainCount: number, testCount: number): TrainingData {
  const set = generateSynthetic({ seed: 3, trainCount, testCount });
  return {
    numClasses: 10,
    train: { ...set.train, count: trainCount },
    test: { ...set.test, count: testCount },
  };
}

function tinySettings(overrides: Partial<TrainSettings>): TrainSettings {
  return {
    ...defaultSettings(overrides.procedure ?? 'base'),
    architecture: 'vgg11',
    widthScale: 0.125,
    batchSize: 8,
    baseEpochs: 2,
    epochsPerVertex: 2,
    nSample: 2,
    readEvery: 2,
    testLimit: 16,
    ...overrides,
  };
}

async function collect(gen: AsyncGenerator<TrainEvent>): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  for await (const event of gen) events.push(event);
  return events;
}

function finalComponents(events: TrainEvent[]): ComponentState[] {
  const done = events.find((e) => e.type === 'done');
  if (done?.type !== 'done') throw new Error('the run did not finish');
  return done.components;
}

describe('trainRun', () => {
  const data = syntheticData(32, 16);

  it('resumed from an epoch checkpoint reaches exactly the weights of an uninterrupted run', async () => {
    const mode = initVertex(modelSpecOf(tinySettings({}), 10), new Rng(11), 'base');
    const settings = tinySettings({ procedure: 'simplex', vertices: 2, modes: ['m0'], lmbd: 1e-6 });
    const start: TrainStart = { kind: 'fresh', modes: [mode] };
    const uninterrupted = finalComponents(await collect(trainRun(settings, data, start, { makeBatch })));

    // Interrupt after the second checkpoint (inside the second vertex's stage boundary).
    const checkpoints: TrainCheckpoint[] = [];
    const gen = trainRun(settings, data, start, { makeBatch });
    for await (const event of gen) {
      if (event.type === 'checkpoint') checkpoints.push(event.checkpoint);
      if (checkpoints.length === 3) break;
    }
    const saved = structuredClone(checkpoints[2] as TrainCheckpoint);
    expect(saved.stage).toBe(1);
    expect(saved.epochInStage).toBe(1);
    expect(saved.optimizer).not.toBeNull();
    const resumed = finalComponents(
      await collect(trainRun(settings, data, { kind: 'resume', checkpoint: saved }, { makeBatch })),
    );

    const [a] = uninterrupted;
    const [b] = resumed;
    expect(b?.complex).toEqual([[0, 1, 2]]);
    expect(b?.frozen).toEqual([true, true, false]);
    expect(b?.vertices.length).toBe(3);
    a?.vertices.forEach((vertex, v) => {
      vertex.forEach((param, p) => {
        expect(Array.from(b?.vertices[v]?.[p] ?? [])).toEqual(Array.from(param));
      });
    });
    // The mode stays frozen and the new vertices moved away from it.
    expect(Array.from(b?.vertices[0]?.[0] ?? [])).toEqual(Array.from(mode[0] ?? []));
    expect(Array.from(b?.vertices[2]?.[0] ?? [])).not.toEqual(Array.from(mode[0] ?? []));
  }, 240_000);

  it('sees every training example exactly once per epoch, in a new order each epoch', async () => {
    const seen: number[][] = [];
    const recording: MakeBatch = (split, indices, augment) => {
      if (augment) seen.push(Array.from(indices));
      return makeBatch(split, indices, augment);
    };
    const settings = tinySettings({ baseEpochs: 2, testLimit: 8 });
    await collect(trainRun(settings, data, { kind: 'fresh', modes: [] }, { makeBatch: recording }));
    const perEpoch = 32 / 8;
    expect(seen.length).toBe(2 * perEpoch);
    const epochs = [seen.slice(0, perEpoch).flat(), seen.slice(perEpoch).flat()];
    for (const epoch of epochs) expect([...epoch].sort((x, y) => x - y)).toEqual([...Array(32).keys()]);
    expect(epochs[0]).not.toEqual(epochs[1]);
  });

  it('refuses a checkpoint written with other settings, naming what differs', async () => {
    const settings = tinySettings({ baseEpochs: 2 });
    let checkpoint: TrainCheckpoint | null = null;
    for await (const event of trainRun(settings, data, { kind: 'fresh', modes: [] }, { makeBatch })) {
      if (event.type === 'checkpoint') {
        checkpoint = event.checkpoint;
        break;
      }
    }
    if (!checkpoint) throw new Error('no checkpoint');
    const other = { ...settings, baseLr: 0.1 };
    await expect(
      collect(trainRun(other, data, { kind: 'resume', checkpoint }, { makeBatch })),
    ).rejects.toMatchObject({ code: 'BAD_CHECKPOINT', message: expect.stringContaining('baseLr') as string });
  });

  it('reports images/s from steps the device finished, not from steps queued or compiling', async () => {
    // The GPU boundary: step() returns as soon as the work is queued and the read waits for it,
    // here 150 ms a step, plus 600 ms of compilation before a stage's first window.
    const lagMs = 150;
    class QueuedStep extends TfjsStageStep {
      private pending = 0;
      private compiled = false;
      override step(...args: Parameters<TfjsStageStep['step']>): void {
        super.step(...args);
        this.pending++;
      }
      override async readWindow() {
        const wait = this.pending * lagMs + (this.compiled ? 0 : 600);
        this.pending = 0;
        this.compiled = true;
        await new Promise((resolve) => setTimeout(resolve, wait));
        return super.readWindow();
      }
    }
    const settings = tinySettings({ procedure: 'base', baseEpochs: 2 });
    const run = trainRun(
      settings,
      syntheticData(64, 16),
      { kind: 'fresh', modes: [] },
      {
        makeBatch,
        compiled: (model, setup) => Promise.resolve(new QueuedStep(model, setup, makeBatch)),
      },
    );
    const windows: { at: number; epoch: number; rate: number; secondsLeft: number }[] = [];
    for await (const event of run) {
      if (event.type === 'steps') {
        const { imagesPerSecond: rate, secondsLeft } = event.progress;
        windows.push({ at: performance.now(), epoch: event.point.epoch, rate, secondsLeft });
      }
    }
    expect(windows.length).toBe(8); // 8 steps an epoch, read every 2
    // The first window held the compilation: nothing is claimed from it.
    expect(windows[0]?.rate).toBe(0);
    expect(windows[0]?.secondsLeft).toBeNaN();
    for (let i = 1; i < windows.length; i++) {
      const before = windows[i - 1] as (typeof windows)[number];
      const now = windows[i] as (typeof windows)[number];
      if (before.epoch !== now.epoch) continue; // an evaluation lies between
      const real = (2 * settings.batchSize * 1000) / (now.at - before.at);
      expect(now.rate / real).toBeGreaterThan(0.6);
      expect(now.rate / real).toBeLessThan(1.4);
      expect(now.rate).toBeLessThan((settings.batchSize * 1000) / lagMs);
    }
  }, 60_000);

  it('ends a window at the step it is interrupted (a pause), without changing the run', async () => {
    const settings = tinySettings({ procedure: 'base', readEvery: 4 });
    const twice = syntheticData(64, 16);
    const stepsRead = (events: TrainEvent[]) =>
      events.flatMap((e) => (e.type === 'steps' ? [e.point.step] : []));
    const plain = await collect(trainRun(settings, twice, { kind: 'fresh', modes: [] }, { makeBatch }));
    let asked = 0;
    const paused = await collect(
      trainRun(
        settings,
        twice,
        { kind: 'fresh', modes: [] },
        { makeBatch, interrupted: () => ++asked === 3 },
      ),
    );
    expect(stepsRead(plain)).toEqual([4, 8, 12, 16]);
    expect(stepsRead(paused)).toEqual([3, 4, 8, 12, 16]);
    expect(finalComponents(paused)).toEqual(finalComponents(plain));
  }, 60_000);

  it('keeps tf.memory().numTensors flat across epochs of SPRO steps', async () => {
    const mode = initVertex(modelSpecOf(tinySettings({}), 10), new Rng(5), 'base');
    const settings = tinySettings({
      procedure: 'simplex',
      vertices: 1,
      modes: ['m'],
      epochsPerVertex: 3,
      lmbd: 1e-6,
    });
    const counts: number[] = [];
    for await (const event of trainRun(settings, data, { kind: 'fresh', modes: [mode] }, { makeBatch })) {
      if (event.type === 'epoch') counts.push(tf.memory().numTensors);
    }
    expect(counts.length).toBe(3);
    expect(counts[2]).toBe(counts[1]);
    expect(counts[1]).toBe(counts[0]);
  }, 120_000);

  it('connects modes through connectors joined to every mode (complex)', async () => {
    const spec = modelSpecOf(tinySettings({}), 10);
    const modes = [initVertex(spec, new Rng(21), 'base'), initVertex(spec, new Rng(22), 'base')];
    const settings = tinySettings({
      procedure: 'complex',
      modes: ['a', 'b'],
      connectors: 2,
      epochsPerVertex: 1,
      trainLimit: 16,
      testLimit: 8,
      lmbd: 0.1,
    });
    const events = await collect(trainRun(settings, data, { kind: 'fresh', modes }, { makeBatch }));
    const [complex] = finalComponents(events);
    expect(complex?.complex).toEqual([
      [0, 2, 3],
      [1, 2, 3],
    ]);
    expect(complex?.frozen).toEqual([true, true, true, false]);
    modes.forEach((mode, m) => {
      expect(Array.from(complex?.vertices[m]?.[0] ?? [])).toEqual(Array.from(mode[0] ?? []));
    });
    const stages = events.flatMap((e) => (e.type === 'stage' ? [e] : []));
    // The reference trains the first connector without the volume term, later ones with it.
    expect(stages.map((s) => s.lambda > 0)).toEqual([false, true]);
    // Each stage's event carries the counters at its start, so its label is not ahead of them.
    const perStage = stages.map((s) => s.progress.stageSteps);
    expect(stages.map((s) => [s.progress.stage, s.progress.stageStep, s.progress.step])).toEqual([
      [0, 0, 0],
      [1, 0, perStage[0]],
    ]);
  }, 240_000);

  it('trains an ESPRO ensemble as independent simplexes, each from its own base vertex', async () => {
    const settings = tinySettings({
      procedure: 'ensemble',
      components: 2,
      vertices: 1,
      baseEpochs: 1,
      epochsPerVertex: 1,
      trainLimit: 16,
      testLimit: 8,
    });
    const components = finalComponents(
      await collect(trainRun(settings, data, { kind: 'fresh', modes: [] }, { makeBatch })),
    );
    expect(components.length).toBe(2);
    for (const c of components) {
      expect(c.complex).toEqual([[0, 1]]);
      expect(c.frozen).toEqual([true, false]);
    }
    expect(Array.from(components[0]?.vertices[0]?.[0] ?? [])).not.toEqual(
      Array.from(components[1]?.vertices[0]?.[0] ?? []),
    );
  }, 240_000);

  it('learns the synthetic set: loss falls and test accuracy beats chance', async () => {
    const learnData = syntheticData(256, 100);
    const settings = tinySettings({
      batchSize: 32,
      baseEpochs: 10,
      baseLr: 0.05,
      testLimit: 0,
      readEvery: 4,
    });
    const events = await collect(trainRun(settings, learnData, { kind: 'fresh', modes: [] }, { makeBatch }));
    const epochs = events.flatMap((e) => (e.type === 'epoch' ? [e.point] : []));
    expect(epochs.length).toBe(10);
    const first = epochs[0];
    const last = epochs[epochs.length - 1];
    // Deterministic on the CPU backend (seeded everything): chance is 0.1 and ln 10 ≈ 2.30.
    expect(last?.trainLoss).toBeLessThan((first?.trainLoss ?? 0) * 0.85);
    expect(last?.testAccuracy).toBeGreaterThan(0.2);
  }, 600_000);
});

describe('trainRun on a batch-norm network', () => {
  const data = syntheticData(32, 16);

  it('folds every draw into the shared running statistics and resumes them bit for bit', async () => {
    const spec = { architecture: 'preresnet8', widthScale: 0.5, numClasses: 10 } as const;
    const mode = initVertex(spec, new Rng(12), 'base');
    const modeStatistics = freshStatistics(network(spec).batchNorms);
    const settings = tinySettings({
      procedure: 'simplex',
      architecture: 'preresnet8',
      widthScale: 0.5,
      vertices: 2,
      modes: ['m0'],
      lmbd: 1e-6,
      epochsPerVertex: 1,
    });
    const start: TrainStart = { kind: 'fresh', modes: [mode], statistics: modeStatistics };
    const checkpoints: TrainCheckpoint[] = [];
    const events: TrainEvent[] = [];
    for await (const event of trainRun(settings, data, start, { makeBatch })) {
      events.push(event);
      if (event.type === 'checkpoint') checkpoints.push(structuredClone(event.checkpoint));
    }
    const [done] = finalComponents(events);
    // 4 steps a stage of 2 draws each, 2 stages: every layer folded 16 passes in, from the mode's.
    expect(done?.statistics?.map((s) => s.batches)).toEqual(modeStatistics.map(() => 16));
    expect(done?.statistics?.[0]?.mean.some((m) => m !== 0)).toBe(true);
    const resumed = finalComponents(
      await collect(
        trainRun(
          settings,
          data,
          { kind: 'resume', checkpoint: checkpoints[0] as TrainCheckpoint },
          { makeBatch },
        ),
      ),
    );
    expect(resumed[0]?.statistics?.map((s) => s.batches)).toEqual(done?.statistics?.map((s) => s.batches));
    resumed[0]?.statistics?.forEach((s, i) => {
      expect(Array.from(s.mean)).toEqual(Array.from(done?.statistics?.[i]?.mean ?? []));
      expect(Array.from(s.variance)).toEqual(Array.from(done?.statistics?.[i]?.variance ?? []));
    });
    resumed[0]?.vertices.forEach((vertex, v) => {
      vertex.forEach((param, p) => {
        expect(Array.from(param)).toEqual(Array.from(done?.vertices[v]?.[p] ?? []));
      });
    });
    const testLosses = events.flatMap((e) => (e.type === 'epoch' ? [e.point.testLoss] : []));
    expect(testLosses.length).toBe(2);
    expect(testLosses.every(Number.isFinite)).toBe(true);
  }, 240_000);
});
