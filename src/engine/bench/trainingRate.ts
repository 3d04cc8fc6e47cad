// A cheap measure of how fast the current tfjs backend trains, for choosing between backends
// when there is no GPU (the worker compares wasm and WebGL with it), and for the quick start's
// estimate: the real training step (the studio's loss, gradients and SGD kernels) of a width-1/8
// VGG11 on one batch of random images (8 unless asked), one untimed step (shader compilation,
// XNNPACK set-up), then timed steps until `budgetMs` has passed (at least two). One readback per
// step, so each step is timed to its end. Evaluation (a loss surface's points) batches wider and
// runs no backward pass, so it has a measure of its own. Pure engine.

import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../protocol/architecture';
import { SimplexModel } from '../simplex/simplexModel';
import { openPointEvaluator, type CompiledPointEvaluatorFactory } from '../surface/pointEvaluator';
import { Sgd } from '../train/sgd';
import { disposeSproResult, sampleDraws, sproLossAndGrads } from '../train/spro';
import { Rng } from '../util/rng';

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };

/** Training images per second on the current backend, at batches of `batch` images. */
export async function measureTrainingRate(budgetMs = 1500, batch = 8): Promise<number> {
  const rng = new Rng(11);
  const model = SimplexModel.fresh(SPEC, 1, rng);
  const sgd = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
  const x = tf.randomNormal<tf.Rank.R4>([batch, 32, 32, 3], 0, 1, 'float32', 12);
  const labels = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => i % SPEC.numClasses),
    'int32',
  );
  const step = async () => {
    const result = sproLossAndGrads(
      model,
      { x, labels },
      sampleDraws(model, rng, 1, true),
      { lambda: 0, reduction: 'sum' },
      null,
    );
    sgd.step(result.grads, 0.01, result.rows);
    await result.loss.data();
    disposeSproResult(result);
  };
  try {
    await step();
    const start = performance.now();
    let steps = 0;
    while (steps < 2 || performance.now() - start < budgetMs) {
      await step();
      steps++;
    }
    return (steps * batch * 1000) / (performance.now() - start);
  } finally {
    model.dispose();
    sgd.dispose();
    tf.dispose([x, labels]);
  }
}

/**
 * Images per second the Surfaces section's evaluator reads on the current backend (the compiled
 * one where `compiled` is given, as the section opens it): points of a fresh 3-vertex simplex on
 * `images` random images (one batch, as the section's batches of 128), one untimed point, then
 * groups of points until `budgetMs` has passed.
 */
export async function measureEvaluationRate(
  budgetMs = 1000,
  images = 128,
  compiled?: CompiledPointEvaluatorFactory,
): Promise<number> {
  const model = SimplexModel.fresh(SPEC, 3, new Rng(13));
  const random = new Rng(14);
  const split = {
    images: Uint8Array.from({ length: images * 3 * 32 * 32 }, () => Math.floor(random.next() * 256)),
    labels: Uint8Array.from({ length: images }, (_, i) => i % SPEC.numClasses),
    count: images,
  };
  const evaluator = await openPointEvaluator(model, split, { images, batchSize: images }, compiled);
  const points = [
    [0.6, 0.2, 0.2],
    [0.2, 0.6, 0.2],
    [0.2, 0.2, 0.6],
    [1 / 3, 1 / 3, 1 / 3],
  ];
  try {
    await evaluator.evaluate([[1, 0, 0]]);
    const start = performance.now();
    let evaluated = 0;
    while (evaluated === 0 || performance.now() - start < budgetMs) {
      await evaluator.evaluate(points);
      evaluated += points.length;
    }
    return (evaluated * images * 1000) / (performance.now() - start);
  } finally {
    evaluator.dispose();
    model.dispose();
  }
}
