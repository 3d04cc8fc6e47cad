// The baseline the benchmark compares against: the same VGG trained the way a tfjs user would
// first write it — plain variables, tfjs's own convolution gradients, tf.train.momentum(…).minimize,
// the loss read back every step to log it. Pure engine code, used only by the benchmark.

import * as tf from '@tensorflow/tfjs';
import type { TfVertex } from '../formats/layout';
import { type ModelSpec } from '../../protocol/architecture';
import { paramSpecs } from '../../protocol/network';
import { networkForward } from '../model/network';
import type { Batch } from '../train/trainingData';

export class NaiveTrainer {
  private readonly variables: tf.Variable[];
  private readonly optimizer: tf.MomentumOptimizer;
  private seed = 1;

  constructor(
    private readonly spec: ModelSpec,
    vertex: TfVertex,
    lr: number,
  ) {
    this.variables = paramSpecs(spec).map((p, i) =>
      tf.variable(tf.tensor(vertex[i] as Float32Array, p.tfShape as number[])),
    );
    this.optimizer = tf.train.momentum(lr, 0.9);
  }

  /** One step; returns the loss (a readback, as a logging loop does). */
  async step(batch: Batch): Promise<number> {
    const seeds = [this.seed++, this.seed++] as const;
    const cost = this.optimizer.minimize(() => {
      const logits = networkForward(this.spec, this.variables, batch.x, {
        training: true,
        dropoutSeeds: seeds,
        convGradients: 'tfjs',
      });
      return tf.losses.softmaxCrossEntropy(tf.oneHot(batch.labels, this.spec.numClasses), logits);
    }, true);
    const value = (await cost?.data())?.[0] ?? Number.NaN;
    cost?.dispose();
    return value;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.variables.forEach((v) => {
      v.dispose();
    });
  }
}
