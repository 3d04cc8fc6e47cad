// The compiled step (src/engine/compiled/compiledStage.ts) against the tfjs path it replaces, in
// one process: the same SPRO stage — three vertices, the first frozen, the volume term on,
// n_sample 2, dropout on, momentum and weight decay — trained for 20 steps on the same batch
// sequence and the same draws, by the engine's sproLossAndGrads + Sgd on tfjs's CPU backend and
// by the compiled step on Dawn. Each path measures the volume from its own vertices every step.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../src/protocol/architecture';
import type { TfVertex } from '../../../src/engine/formats/layout';
import { initVertex } from '../../../src/engine/model/init';
import { sampleCoefficients } from '../../../src/engine/simplex/complex';
import { SimplexModel } from '../../../src/engine/simplex/simplexModel';
import { measureVolume, pairsOf, volumeOfDistances, volumePull } from '../../../src/engine/simplex/volume';
import { Sgd } from '../../../src/engine/train/sgd';
import { disposeSproResult, sampleDraws, sproLossAndGrads } from '../../../src/engine/train/spro';
import { Rng } from '../../../src/engine/util/rng';
import { CompiledStage } from '../../../src/engine/compiled/compiledStage';
import { expectClose } from '../../unit/engine/fixtures';
import { randoms } from '../support/reference';
import { gpuDevice } from '../support/gpu';

/** 40–50 s here on a quiet machine (the tfjs CPU backend's reference steps): a margin of 5×. */
const SLOW = 240_000;

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
const BATCH = 5;
const STEPS = 20;
const DRAWS = 2;
const LAMBDA = 0.05;
const SGD = { lr: 0.02, momentum: 0.9, weightDecay: 5e-4 };
const FROZEN = [true, false, false];

interface Batch {
  x: Float32Array;
  labels: Int32Array;
}

let start: TfVertex[];
let batches: Batch[];
let device: GPUDevice;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const rng = new Rng(7);
  start = [0, 1, 2].map(() => initVertex(SPEC, rng, 'base'));
  batches = Array.from({ length: STEPS }, () => ({
    x: randoms(rng, BATCH * 32 * 32 * 3, 1.5),
    labels: Int32Array.from({ length: BATCH }, () => rng.nextUint32() % 10),
  }));
  device = await gpuDevice();
});

/** The tfjs path's vertices, and each step's cross-entropy (Σ over the draws). */
async function tfjsRun(): Promise<{ vertices: TfVertex[]; losses: number[] }> {
  const model = SimplexModel.fromVertices(SPEC, start, { frozen: FROZEN });
  const sgd = new Sgd({ momentum: SGD.momentum, weightDecay: SGD.weightDecay });
  const draws = new Rng(11);
  const losses: number[] = [];
  for (const b of batches) {
    const x = tf.tensor4d(b.x, [BATCH, 32, 32, 3]);
    const labels = tf.tensor1d(b.labels, 'int32');
    const volume = await measureVolume(model);
    const result = sproLossAndGrads(
      model,
      { x, labels },
      sampleDraws(model, draws, DRAWS, true),
      { lambda: LAMBDA, reduction: 'sum' },
      volume,
    );
    sgd.step(result.grads, SGD.lr, result.rows);
    losses.push((await result.crossEntropy.data())[0] ?? NaN);
    disposeSproResult(result);
    x.dispose();
    labels.dispose();
  }
  const vertices = await model.readVertices();
  model.dispose();
  sgd.dispose();
  return { vertices, losses };
}

let compiled: CompiledStage | null = null;
afterAll(() => compiled?.destroy());

describe('compiled SPRO step', () => {
  it(
    'reaches the tfjs path’s weights and losses after 20 steps, one submit per step',
    async () => {
      const reference = await tfjsRun();
      const pairs = pairsOf([0, 1, 2]);
      const stage = await CompiledStage.create(
        device,
        { spec: SPEC, batch: BATCH, draws: DRAWS, pull: true, momentum: true, dropoutRate: 0.5, pairs },
        start,
      );
      compiled = stage;
      // The same draws: the complex's sampler, fed the same stream.
      const sampler = { sampleCoefficients: (rng: Rng) => sampleCoefficients([[0, 1, 2]], 3, rng) };
      const draws = new Rng(11);
      const losses: number[] = [];
      device.pushErrorScope('validation');
      for (const b of batches) {
        const volume = volumeOfDistances(await stage.readDistances(), [0, 1, 2]);
        const sampled = sampleDraws(sampler, draws, DRAWS, true);
        stage.step(
          { images: b.x, labels: Uint32Array.from(b.labels) },
          {
            ...SGD,
            coefficients: sampled.map((d) => d.coefficients),
            rows: {
              weights: sampled.map((d) => d.coefficients),
              pull: volumePull({ complex: [[0, 1, 2]], vertexCount: 3 }, volume, LAMBDA),
              trainable: FROZEN.map((f) => !f),
            },
            seeds: sampled.map((d) => d.dropoutSeeds ?? [0, 0]),
          },
        );
        const sums = await stage.readSums();
        losses.push(sums.loss.reduce((a, l) => a + l, 0) / BATCH);
      }
      expect((await device.popErrorScope())?.message).toBeUndefined();

      expectClose(losses, reference.losses, 1e-5, 'per-step cross-entropy');
      const vertices = await stage.readVertices();
      const flat = (vertex: readonly ArrayLike<number>[]) =>
        Float32Array.from(vertex.flatMap((p) => Array.from(p)));
      vertices.forEach((vertex, v) => {
        // The weights agree to about 1e-6 of the vertex's scale; each parameter's change over the
        // 20 steps, which float32 rounding of w − lr·b blurs by an ulp a step, to about 1e-3 of its
        // own (without weight decay it would be 10% off).
        expectClose(flat(vertex), flat(reference.vertices[v] ?? []), 1e-4, `vertex ${v}`);
        vertex.forEach((values, p) => {
          const before = start[v]?.[p] as Float32Array;
          const moved = (values as Float32Array).map((w, i) => w - (before[i] as number));
          const expected = (reference.vertices[v]?.[p] as Float32Array).map(
            (w, i) => w - (before[i] as number),
          );
          if (FROZEN[v]) expect(moved.every((d) => d === 0)).toBe(true);
          else expectClose(moved, expected, 5e-3, `vertex ${v} parameter ${p}'s change`);
        });
      });
      // Mix, two passes, SGD, distances.
      // Per draw: 8 conv forwards, 7 input gradients, filter gradients in two passes for c1 and c2
      // (N·H·W ≥ 512) and one for the rest, 5 pools (2), 3 dense layers (3, dropout fused), the loss.
      expect(stage.dispatchesPerStep).toBe(1 + 2 * (8 + 7 + (2 * 2 + 6) + 5 * 2 + 3 * 3 + 1) + 2);
    },
    SLOW,
  );
});
