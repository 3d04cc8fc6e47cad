// Points of a batch-norm network (PreResNet-8 at width 1/2, three vertices): the point evaluator
// and the logits evaluator with stored and with recomputed statistics, each against the
// definition (recomputeStatistics at the point's mixed weights, then an eval pass), and neither
// leaks tensors. Wasm, the CLI's CPU path.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../../src/protocol/architecture';
import { initVertex } from '../../../../src/engine/model/init';
import { recomputeStatistics } from '../../../../src/engine/model/batchStatistics';
import { SimplexModel } from '../../../../src/engine/simplex/simplexModel';
import { metricsFromLogits, predictLogits } from '../../../../src/engine/eval/evaluate';
import { makeBatch, type ImageSplit } from '../../../../src/engine/train/trainingData';
import { TfjsPointEvaluator, recomputeBatches } from '../../../../src/engine/surface/pointEvaluator';
import { Rng } from '../../../../src/engine/util/rng';
import { expectClose } from '../fixtures';

const SPEC: ModelSpec = { architecture: 'preresnet8', widthScale: 0.5, numClasses: 10 };
const POINT = [0.2, 0.5, 0.3];

let model: SimplexModel;
let train: ImageSplit;
let test: ImageSplit;

function split(rng: Rng, count: number): ImageSplit {
  return {
    images: new Uint8Array(count * 3072).map(() => rng.nextUint32() & 255),
    labels: new Uint8Array(count).map(() => rng.nextUint32() % 10),
    count,
  };
}

beforeAll(async () => {
  const rng = new Rng(3);
  model = SimplexModel.fromVertices(
    SPEC,
    [0, 1, 2].map(() => initVertex(SPEC, rng, 'base')),
  );
  // Stored statistics far from the images' own, so the two modes give different losses.
  model.writeStatistics(
    (await model.readStatistics()).map((s) => ({
      mean: s.mean.map(() => 0.5),
      variance: s.variance.map(() => 4),
      batches: 10,
    })),
  );
  train = split(rng, 20);
  test = split(rng, 6);
});
afterAll(() => {
  model.dispose();
});

/** Loss and error at POINT by the definition: statistics from `batches` (or stored), then eval. */
async function definition(batches: tf.Tensor4D[] | null): Promise<{ loss: number; error: number }> {
  const x = makeBatch(
    test,
    new Uint32Array(test.count).map((_, i) => i),
    null,
  );
  const logits = tf.tidy(() => {
    const statistics = batches ? recomputeStatistics(SPEC, model.mixedWeights(POINT), batches) : undefined;
    return model.forward(x.x, POINT, statistics ? { training: false, statistics } : { training: false });
  });
  const m = metricsFromLogits(await logits.data<'float32'>(), test.labels, 10);
  tf.dispose([logits, x.x, x.labels]);
  return { loss: m.loss, error: 1 - m.accuracy };
}

describe('batch-norm statistics at a point', () => {
  it('the point evaluator uses the stored statistics, or recomputes them there from the training batches', async () => {
    const before = tf.memory().numTensors;
    const source = { split: train, batches: 3, batchSize: 6 };
    const batches = recomputeBatches(source, null);
    expect(batches.map((b) => b.shape[0])).toEqual([6, 6, 6]);
    const recomputedWant = await definition(batches);
    const storedWant = await definition(null);
    tf.dispose(batches);
    expect(Math.abs(recomputedWant.loss - storedWant.loss)).toBeGreaterThan(1e-3);

    const stored = new TfjsPointEvaluator(model, test, { images: test.count, batchSize: 4 });
    const recomputed = new TfjsPointEvaluator(model, test, {
      images: test.count,
      batchSize: 4,
      recompute: source,
    });
    const [s] = await stored.evaluate([POINT]);
    const [r] = await recomputed.evaluate([POINT]);
    expectClose([s?.loss ?? NaN], [storedWant.loss], 1e-5, 'stored');
    expectClose([r?.loss ?? NaN], [recomputedWant.loss], 1e-5, 'recomputed');
    expect(r?.error).toBeCloseTo(recomputedWant.error, 6);
    stored.dispose();
    recomputed.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('predictLogits recomputes once per point and evaluates vertices as points too', async () => {
    const before = tf.memory().numTensors;
    const batches = recomputeBatches({ split: train, batches: 2, batchSize: 8 }, null);
    const options = { makeBatch, batchSize: 4, recompute: batches };
    const logits = await predictLogits(model, test, { kind: 'coefficients', coefficients: POINT }, options);
    const want = await definition(batches);
    expectClose([metricsFromLogits(logits, test.labels, 10).loss], [want.loss], 1e-5, 'coefficients');
    // A vertex with recomputed statistics is the point at its one-hot coefficients.
    const atVertex = await predictLogits(model, test, { kind: 'vertex', vertex: 1 }, options);
    const oneHot = await predictLogits(
      model,
      test,
      { kind: 'coefficients', coefficients: [0, 1, 0] },
      options,
    );
    expectClose(atVertex, oneHot, 0, 'vertex 1');
    const storedVertex = await predictLogits(
      model,
      test,
      { kind: 'vertex', vertex: 1 },
      { makeBatch, batchSize: 4 },
    );
    expect(Math.abs((storedVertex[0] ?? 0) - (atVertex[0] ?? 0))).toBeGreaterThan(1e-4);
    tf.dispose(batches);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a training split too small to recompute from', () => {
    expect(() => recomputeBatches({ split: { ...train, count: 1 }, batches: 1, batchSize: 8 }, null)).toThrow(
      /too few to recompute/,
    );
    expect(() => recomputeBatches({ split: train, batches: 0, batchSize: 8 }, null)).toThrow(
      /at least 1 batch/,
    );
  });
});
