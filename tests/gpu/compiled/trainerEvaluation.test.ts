// The trainer's test evaluation after each epoch on the compiled evaluator
// (engine/compiled/compiledEvaluator.ts, injected as TrainOptions.evaluator) against the tfjs path
// on tfjs's CPU backend. Both runs train on the tfjs path (the CPU backend: the same weights, and
// no step pipelines to compile on SwiftShader), so only the evaluation differs: a simplex run of two stages (a frozen mode, one vertex added, then
// another) of VGG11 at width 1/8, two epochs each, 7 test images in batches of 3 (two full batches
// and a shorter last one), a new random point per batch. One evaluator per stage, reloaded at the
// stage's second epoch, disposed when the stage ends and when the run is left early.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, type TrainSettings } from '../../../src/protocol/settings';
import type { EpochPoint } from '../../../src/protocol/commands/train';
import { generateSynthetic } from '../../../src/engine/data/synthetic';
import type { LogitsEvaluatorFactory } from '../../../src/engine/eval/evaluate';
import { initVertex } from '../../../src/engine/model/init';
import { Rng } from '../../../src/engine/util/rng';
import { modelSpecOf, trainRun, type TrainEvent, type TrainOptions } from '../../../src/engine/train/trainer';
import { makeBatch, type TrainingData } from '../../../src/engine/train/trainingData';
import { compiledEvaluatorFactory } from '../../../src/engine/compiled/compiledEvaluator';
import { gpuDevice } from '../support/gpu';

const set = generateSynthetic({ seed: 5, trainCount: 8, testCount: 9 });
const data: TrainingData = {
  numClasses: 10,
  train: { ...set.train, count: 8 },
  test: { ...set.test, count: 9 },
};
const settings: TrainSettings = {
  ...defaultSettings('simplex'),
  architecture: 'vgg11',
  widthScale: 0.125,
  batchSize: 4,
  vertices: 2,
  epochsPerVertex: 2,
  nSample: 1,
  readEvery: 2,
  // The split holds 9: the evaluators must take the first 7.
  testLimit: 7,
  modes: ['m0'],
  lmbd: 1e-6,
};
const EVAL_BATCH = 3;
const mode = initVertex(modelSpecOf(settings, 10), new Rng(13), 'base');

let device: GPUDevice;
beforeAll(async () => {
  await tf.setBackend('cpu');
  device = await gpuDevice();
});

/** The compiled evaluator, counting what the trainer does with it. */
function counted(): { factory: LogitsEvaluatorFactory; log: string[] } {
  const log: string[] = [];
  const compiled = compiledEvaluatorFactory(device);
  const factory: LogitsEvaluatorFactory = async (model, split, options) => {
    const evaluator = await compiled(model, split, options);
    if (!evaluator) throw new Error('the compiled evaluator runs VGG');
    log.push(`open ${evaluator.images}`);
    return {
      kind: evaluator.kind,
      images: evaluator.images,
      logits: (point, o) => evaluator.logits(point, o),
      reload: () => {
        log.push('reload');
        return evaluator.reload();
      },
      dispose: () => {
        log.push('dispose');
        evaluator.dispose();
      },
    };
  };
  return { factory, log };
}

async function epochs(options: TrainOptions): Promise<EpochPoint[]> {
  const events: TrainEvent[] = [];
  for await (const event of trainRun(settings, data, { kind: 'fresh', modes: [mode] }, options)) {
    events.push(event);
  }
  return events.flatMap((e) => (e.type === 'epoch' ? [e.point] : []));
}

describe('the trainer’s test evaluation on the compiled evaluator', () => {
  it('gives the tfjs path’s test loss and accuracy every epoch, with one evaluator per stage', async () => {
    const base = { makeBatch, evalBatchSize: EVAL_BATCH };
    const tensors = tf.memory().numTensors;
    const want = await epochs(base);
    const { factory, log } = counted();
    device.pushErrorScope('validation');
    const got = await epochs({ ...base, evaluator: factory });
    expect((await device.popErrorScope())?.message).toBeUndefined();
    expect(tf.memory().numTensors).toBe(tensors);

    expect(log).toEqual(['open 7', 'reload', 'dispose', 'open 7', 'reload', 'dispose']);
    expect(got.length).toBe(4);
    got.forEach((g, i) => {
      const w = want[i];
      const what = `stage ${g.stage} epoch ${g.epoch}`;
      expect(Math.abs(g.testLoss - (w?.testLoss ?? NaN)) / (w?.testLoss ?? NaN), what).toBeLessThan(1e-5);
      expect(g.testAccuracy, what).toBe(w?.testAccuracy);
      expect(g.trainLoss, what).toBe(w?.trainLoss);
    });
    // The evaluation sees the trained weights: a stage's epochs differ (reload took them).
    expect(got[1]?.testLoss).not.toBe(got[0]?.testLoss);
    expect(got[3]?.testLoss).not.toBe(got[2]?.testLoss);
  }, 120_000);

  it('disposes the evaluator when the run is left mid-stage', async () => {
    const { factory, log } = counted();
    const gen = trainRun(
      settings,
      data,
      { kind: 'fresh', modes: [mode] },
      {
        makeBatch,
        evalBatchSize: EVAL_BATCH,
        evaluator: factory,
      },
    );
    for await (const event of gen) if (event.type === 'epoch') break;
    expect(log).toEqual(['open 7', 'dispose']);
  }, 60_000);
});
