// The trainer on the compiled step (engine/compiled/compiledStageStep.ts) as the worker runs it,
// on Dawn: a simplex run (a frozen mode, two vertices grown by SPRO with the volume term, n_sample
// 2, dropout, momentum) reaches the tfjs path's weights and history; resumed from a mid-stage
// checkpoint it reaches exactly the weights of the uninterrupted compiled run; and a checkpoint
// the tfjs path wrote resumes on the compiled step.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, type TrainSettings } from '../../../src/protocol/settings';
import { generateSynthetic } from '../../../src/engine/data/synthetic';
import { initVertex } from '../../../src/engine/model/init';
import { Rng } from '../../../src/engine/util/rng';
import {
  modelSpecOf,
  trainRun,
  type ComponentState,
  type TrainCheckpoint,
  type TrainEvent,
  type TrainOptions,
  type TrainStart,
} from '../../../src/engine/train/trainer';
import { hostBatchMaker, makeBatch, type TrainingData } from '../../../src/engine/train/trainingData';
import { compiledStepFactory } from '../../../src/engine/compiled/compiledStageStep';
import { expectClose, expectSame } from '../../unit/engine/fixtures';
import { gpuDevice } from '../support/gpu';

const set = generateSynthetic({ seed: 3, trainCount: 24, testCount: 8 });
const data: TrainingData = {
  numClasses: 10,
  train: { ...set.train, count: 24 },
  test: { ...set.test, count: 8 },
};
const settings: TrainSettings = {
  ...defaultSettings('simplex'),
  architecture: 'vgg11',
  widthScale: 0.125,
  batchSize: 6,
  vertices: 2,
  epochsPerVertex: 2,
  nSample: 2,
  readEvery: 2,
  testLimit: 8,
  modes: ['m0'],
  lmbd: 1e-6,
};
const mode = initVertex(modelSpecOf(settings, 10), new Rng(11), 'base');
const fresh: TrainStart = { kind: 'fresh', modes: [mode] };

let compiled: TrainOptions;
beforeAll(async () => {
  await tf.setBackend('cpu');
  const steps: string[] = [];
  compiled = {
    makeBatch,
    compiled: compiledStepFactory(await gpuDevice(), hostBatchMaker()),
    onStep: (kind) => steps.push(kind),
  };
  compiledSteps = steps;
});
let compiledSteps: string[] = [];

async function collect(gen: AsyncGenerator<TrainEvent>): Promise<TrainEvent[]> {
  const events: TrainEvent[] = [];
  for await (const event of gen) events.push(event);
  return events;
}

function done(events: TrainEvent[]): { components: ComponentState[]; losses: number[] } {
  const last = events.find((e) => e.type === 'done');
  if (last?.type !== 'done') throw new Error('the run did not finish');
  return { components: last.components, losses: last.history.steps.map((p) => p.loss) };
}

function flat(c: ComponentState | undefined): Float32Array {
  return Float32Array.from((c?.vertices ?? []).flatMap((v) => v.flatMap((p) => Array.from(p))));
}

/** Runs `start` until the n-th checkpoint and returns it. */
async function checkpointAt(start: TrainStart, options: TrainOptions, n: number): Promise<TrainCheckpoint> {
  const gen = trainRun(settings, data, start, options);
  let seen = 0;
  for await (const event of gen) {
    if (event.type === 'checkpoint' && ++seen === n) {
      await gen.return();
      return structuredClone(event.checkpoint);
    }
  }
  throw new Error(`the run wrote fewer than ${n} checkpoints`);
}

describe('training on the compiled step', () => {
  it('reaches the tfjs path’s weights and losses, and resumes bit-exactly from its own and the tfjs path’s checkpoints', async () => {
    const reference = done(await collect(trainRun(settings, data, fresh, { makeBatch })));
    compiledSteps.length = 0;
    const uninterrupted = done(await collect(trainRun(settings, data, fresh, compiled)));
    expect(compiledSteps).toEqual(['compiled', 'compiled']);
    expectClose(uninterrupted.losses, reference.losses, 1e-4, 'step losses');
    expectClose(flat(uninterrupted.components[0]), flat(reference.components[0]), 1e-4, 'vertices');

    // The third checkpoint is inside the second vertex's stage, with momentum to carry over.
    const own = await checkpointAt(fresh, compiled, 3);
    expect([own.stage, own.epochInStage, own.optimizer?.buffers.length]).toEqual([1, 1, 22]);
    const resumed = done(
      await collect(trainRun(settings, data, { kind: 'resume', checkpoint: own }, compiled)),
    );
    expectSame(flat(resumed.components[0]), flat(uninterrupted.components[0]), 'resumed vertices');

    const theirs = await checkpointAt(fresh, { makeBatch }, 3);
    const crossed = done(
      await collect(trainRun(settings, data, { kind: 'resume', checkpoint: theirs }, compiled)),
    );
    expectClose(
      flat(crossed.components[0]),
      flat(reference.components[0]),
      1e-4,
      'vertices resumed across paths',
    );
  }, 600_000);
});
