// A cheap measure of how fast the current tfjs backend trains, for choosing between backends
// when there is no GPU (the worker compares wasm and WebGL with it): the real training step (the
// studio's loss, gradients and SGD kernels) of a width-1/8 VGG11 on one batch of 8 random images,
// one untimed step (shader compilation, XNNPACK set-up), then timed steps until `budgetMs` has
// passed (at least two). One readback per step, so each step is timed to its end. Pure engine.

import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from '../../protocol/architecture';
import { SimplexModel } from '../simplex/simplexModel';
import { Sgd } from '../train/sgd';
import { disposeSproResult, sampleDraws, sproLossAndGrads } from '../train/spro';
import { Rng } from '../util/rng';

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
const BATCH = 8;

/** Training images per second on the current backend. */
export async function measureTrainingRate(budgetMs = 1500): Promise<number> {
  const rng = new Rng(11);
  const model = SimplexModel.fresh(SPEC, 1, rng);
  const sgd = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
  const x = tf.randomNormal<tf.Rank.R4>([BATCH, 32, 32, 3], 0, 1, 'float32', 12);
  const labels = tf.tensor1d(
    Array.from({ length: BATCH }, (_, i) => i % SPEC.numClasses),
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
    return (steps * BATCH * 1000) / (performance.now() - start);
  } finally {
    model.dispose();
    sgd.dispose();
    tf.dispose([x, labels]);
  }
}
