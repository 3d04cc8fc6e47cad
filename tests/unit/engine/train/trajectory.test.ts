// The engine's training loop against PyTorch over many steps: ../shared/fixtures/trajectory (its
// config.json says how it was made). A width-1/8 VGG16 on 64 records in file order, no
// augmentation, dropout off: (a) 12 SGD steps of a base model, (b) 8 SPRO steps of two vertices
// (the first frozen) with the volume term and n_sample 2, the listed draws injected at the engine
// level. The tfjs path (sproLossAndGrads, the volume measured each step, Sgd with momentum 0.9 and
// weight decay, the cosine schedule) reproduces the per-step losses (and volumes) to 1e-5 and
// the change of the weights to 1e-4 relative, plus two float32 ulps of the weights.
//
// The base run is checked on tfjs's CPU backend: batch 0 holds a max-pool window (image 7, c4's
// channel 13) whose two largest values differ by 5e-8 relative in float64, under float32's
// resolution. PyTorch and the CPU backend put the same one first; XNNPACK's float32 sums on wasm,
// like the compiled WebGPU step's (tests/gpu/compiled/trajectory.test.ts), put the other, and the
// training amplifies that routing (2.5e-4 in the last loss). SPRO has no such window and is
// checked on wasm, the unit tests' own backend.

import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { TfVertex } from '../../../../src/engine/formats/layout';
import { SimplexModel } from '../../../../src/engine/simplex/simplexModel';
import { measureVolume } from '../../../../src/engine/simplex/volume';
import { lrAt } from '../../../../src/engine/train/schedule';
import { Sgd } from '../../../../src/engine/train/sgd';
import { disposeSproResult, sproLossAndGrads } from '../../../../src/engine/train/spro';
import {
  REFERENCE_SPEC,
  expectTrajectoryChange,
  loadTrajectory,
  type TrajectoryStage,
  expectClose,
  tensorOf,
} from '../fixtures';

const { base, spro, expected, records, baseStart, sproStart } = loadTrajectory();
const MOMENTUM = 0.9;
const wasm = tf.getBackend();
afterAll(async () => {
  await tf.setBackend(wasm);
});

/** Trains `model` for the stage's steps on batches in file order; losses (and volumes) per step. */
async function train(model: SimplexModel, c: TrajectoryStage, draw: (step: number) => number[][]) {
  const sgd = new Sgd({ momentum: MOMENTUM, weightDecay: c.wd });
  const perEpoch = records.n / c.batch;
  const losses: number[] = [];
  const volumes: number[] = [];
  const lambda = c.lam ?? 0;
  for (let step = 0; step < c.steps; step++) {
    const b = step % perEpoch;
    const x = tf.tensor4d(records.x.slice(b * c.batch * 3072, (b + 1) * c.batch * 3072), [
      c.batch,
      32,
      32,
      3,
    ]);
    const labels = tf.tensor1d(records.labels.slice(b * c.batch, (b + 1) * c.batch), 'int32');
    const volume = lambda > 0 ? await measureVolume(model) : null;
    const draws = draw(step).map((coefficients) => ({ coefficients, dropoutSeeds: null }));
    const result = sproLossAndGrads(model, { x, labels }, draws, { lambda, reduction: 'sum' }, volume);
    sgd.step(result.grads, lrAt(c.lr0, Math.floor(step / perEpoch), c.epochs), result.rows);
    losses.push((await result.loss.data())[0] ?? NaN);
    if (volume) volumes.push(volume.volume);
    disposeSproResult(result);
    x.dispose();
    labels.dispose();
  }
  sgd.dispose();
  return { losses, volumes };
}

describe('the training loop reproduces PyTorch’s trajectory', () => {
  it('12 SGD steps of a base model (CPU backend)', async () => {
    await tf.setBackend('cpu');
    const start = baseStart;
    const model = SimplexModel.fromVertices(REFERENCE_SPEC, [start]);
    const { losses } = await train(model, base, () => [[1]]);
    expectClose(losses, tensorOf(expected, 'base.loss'), 1e-5, 'base.loss');
    expectTrajectoryChange(expected, start, (await model.readVertices())[0] ?? [], 'base.after', 1e-4);
    model.dispose();
  }, 300_000);

  it('8 SPRO steps of two vertices with the volume term and n_sample 2 (wasm)', async () => {
    await tf.setBackend(wasm);
    const start = sproStart;
    const model = SimplexModel.fromVertices(REFERENCE_SPEC, start, { frozen: [true, false] });
    const { losses, volumes } = await train(model, spro, (step) => spro.draws?.[step] ?? []);
    expectClose(volumes, tensorOf(expected, 'spro.volume'), 1e-5, 'spro.volume');
    expectClose(losses, tensorOf(expected, 'spro.loss'), 1e-5, 'spro.loss');
    const [frozen, trained] = await model.readVertices();
    expect(frozen?.every((p, i) => p.every((w, j) => w === start[0]?.[i]?.[j]))).toBe(true);
    expectTrajectoryChange(expected, start[1] as TfVertex, trained ?? [], 'spro.after', 1e-4);
    model.dispose();
  }, 300_000);
});
