// The benchmark's timing of the compiled step (engine/bench/measure.ts measureCompiledStep) on
// Dawn: where the device offers timestamp-query (Dawn's SwiftShader adapter does), the GPU time of
// one step from its compute pass's timestamps and the TFLOP/s it implies, consistent with the
// step's wall time; on a device without the feature the two fields are left out, not guessed.

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../src/protocol/architecture';
import { measureCompiledStep } from '../../../src/engine/bench/measure';
import { stepWork } from '../../../src/engine/bench/flops';
import { generateSynthetic } from '../../../src/engine/data/synthetic';
import { hostBatchMaker, type TrainingData } from '../../../src/engine/train/trainingData';
import { compiledStepFactory } from '../../../src/engine/compiled/compiledStageStep';
import { gpuDevice, plainDevice } from '../support/gpu';

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
const BATCH = 2;
/** Eleven steps and a second device's pipelines on a software adapter. */
const TIMEOUT = 480_000;
const set = generateSynthetic({ seed: 5, trainCount: 8, testCount: 4 });
const data: TrainingData = {
  numClasses: 10,
  train: { ...set.train, count: 8 },
  test: { ...set.test, count: 4 },
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function measured(device: GPUDevice): Promise<Map<string, number | string>> {
  const fields = new Map<string, number | string>();
  await measureCompiledStep(
    SPEC,
    data,
    { batchSize: BATCH },
    compiledStepFactory(device, hostBatchMaker()),
    (name, value) => fields.set(name, value),
  );
  return fields;
}

describe('the compiled step’s GPU time in the benchmark', () => {
  it(
    'emits gpu_ms_per_step and tflops from timestamps, within the step’s wall time',
    async () => {
      const device = await gpuDevice();
      expect(device.features.has('timestamp-query'), 'Dawn on SwiftShader offers timestamp-query').toBe(true);
      const tensors = tf.memory().numTensors;
      const fields = await measured(device);
      const gpu = fields.get('gpu_ms_per_step') as number;
      const wall = fields.get('wall_ms_per_step') as number;
      const tflops = fields.get('tflops') as number;
      for (const value of [gpu, wall, tflops, fields.get('host_ms_per_step')]) {
        expect(Number.isFinite(value)).toBe(true);
      }
      expect(gpu).toBeGreaterThan(0);
      expect(gpu).toBeLessThanOrEqual(wall);
      expect(tflops).toBeCloseTo((stepWork(SPEC).trainingFlops * BATCH) / (gpu / 1000) / 1e12, 12);
      // The measurement frees its model and step.
      expect(tf.memory().numTensors).toBe(tensors);
    },
    TIMEOUT,
  );

  it(
    'leaves them out on a device without timestamp-query',
    async () => {
      const device = await plainDevice();
      try {
        const fields = await measured(device);
        expect(Number.isFinite(fields.get('wall_ms_per_step'))).toBe(true);
        expect(fields.has('gpu_ms_per_step')).toBe(false);
        expect(fields.has('tflops')).toBe(false);
      } finally {
        device.destroy();
      }
    },
    TIMEOUT,
  );
});
