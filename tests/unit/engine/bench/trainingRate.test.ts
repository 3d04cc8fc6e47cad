import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { measureEvaluationRate, measureTrainingRate } from '../../../../src/engine/bench/trainingRate';

describe('the warm-up measurements', () => {
  it('time training at the batch asked and the surface evaluator, and leave no tensor behind', async () => {
    const before = tf.memory().numTensors;
    const train = await measureTrainingRate(200, 32);
    const evaluation = await measureEvaluationRate(200, 16);
    expect(tf.memory().numTensors).toBe(before);
    expect(Number.isFinite(train) && train > 0).toBe(true);
    // Forward passes only, on one wide batch: faster per image than a training step.
    expect(evaluation).toBeGreaterThan(train);
  }, 120_000);
});
