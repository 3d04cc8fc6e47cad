// The compiled forward pass (src/engine/compiled/compiledEvaluator.ts) on Dawn against the tfjs
// path (engine/surface/pointEvaluator.ts, engine/eval/evaluate.ts) on tfjs's CPU backend, as the
// Surfaces section (loss and error at points) and the Ensembles section (logits) use it: VGG16 at width
// 1/8 with 100 classes, three vertices, 13 images in batches of 5 (two full batches and a shorter
// last one), the studio's normalisation replaced by another, and ten points (two groups of reads):
// the vertices, the centroid and points off the simplex where coefficients are negative or sum
// to more than one. Half the labels are vertex 0's own predictions, so the error is not ~1 everywhere.

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../src/protocol/architecture';
import { predictLogits, type EvalPoint } from '../../../src/engine/eval/evaluate';
import { initVertex } from '../../../src/engine/model/init';
import { SimplexModel } from '../../../src/engine/simplex/simplexModel';
import { TfjsPointEvaluator, type PointEvaluatorOptions } from '../../../src/engine/surface/pointEvaluator';
import { batchMaker, type ImageSplit } from '../../../src/engine/train/trainingData';
import { Rng } from '../../../src/engine/util/rng';
import { CompiledEvaluator } from '../../../src/engine/compiled/compiledEvaluator';
import { expectClose } from '../../unit/engine/fixtures';
import { gpuDevice } from '../support/gpu';

const SPEC: ModelSpec = { architecture: 'vgg16', widthScale: 0.125, numClasses: 100 };
const IMAGES = 13;
const OPTIONS: PointEvaluatorOptions = {
  images: IMAGES,
  batchSize: 5,
  normalisation: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.3] },
};
/** VGG16 on tfjs's CPU backend for the reference values is the slow part on a shared machine. */
const TIMEOUT = 480_000;
const POINTS = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1 / 3, 1 / 3, 1 / 3],
  [0.2, 0.5, 0.3],
  [1.4, -0.6, 0.2],
  [-0.5, 0.9, 0.6],
  [0.9, 0.6, 0.3],
  [2, -0.5, -0.5],
  [0.1, 0.1, 0.1],
];

let model: SimplexModel;
let split: ImageSplit;
let device: GPUDevice;

beforeAll(async () => {
  await tf.setBackend('cpu');
  device = await gpuDevice();
  const rng = new Rng(21);
  model = SimplexModel.fromVertices(
    SPEC,
    [0, 1, 2].map(() => initVertex(SPEC, rng, 'base')),
    { complex: [[0, 1, 2]] },
  );
  // The split has more records than are evaluated: the evaluators must take the first 13.
  const count = IMAGES + 3;
  const images = new Uint8Array(count * 3072).map(() => rng.nextUint32() & 255);
  const labels = new Uint8Array(count).map(() => rng.nextUint32() % 100);
  const logits = await predictLogits(
    model,
    { images, labels, count },
    { kind: 'vertex', vertex: 0 },
    { makeBatch: batchMaker(OPTIONS.normalisation), batchSize: count },
  );
  for (let i = 0; i < count; i += 2) {
    const row = logits.subarray(i * 100, (i + 1) * 100);
    labels[i] = row.indexOf(Math.max(...row));
  }
  split = { images, labels, count };
}, TIMEOUT);

afterAll(() => {
  model.dispose();
});

describe('the compiled evaluator', () => {
  it(
    'gives the tfjs path’s loss and error at points on and off the simplex, batch tail included',
    async () => {
      const tfjs = new TfjsPointEvaluator(model, split, OPTIONS);
      const want = await tfjs.evaluate(POINTS).finally(() => {
        tfjs.dispose();
      });
      const compiled = await CompiledEvaluator.create(device, model, split, OPTIONS);
      const progress: number[] = [];
      device.pushErrorScope('validation');
      const got = await compiled.evaluate(POINTS, { onProgress: (done) => progress.push(done) });
      // Evaluating again gives the same numbers: the sums were cleared after each group.
      const again = await compiled.evaluate(POINTS.slice(0, 3));
      expect((await device.popErrorScope())?.message).toBeUndefined();
      compiled.dispose();

      expect(compiled.images).toBe(IMAGES);
      expect(progress).toEqual([8, 10]);
      expect(again).toEqual(got.slice(0, 3));
      // Vertex 0 predicts its own labels, at least the 7 of 13 set to them.
      expect(want[0]?.error).toBeLessThanOrEqual(6 / IMAGES);
      POINTS.forEach((point, p) => {
        const [g, w] = [got[p], want[p]];
        // Far off the simplex the loss reaches 1e4: float32 sums in another order, relative 1e-5.
        const scale = Math.max(1, Math.abs(w?.loss ?? NaN));
        expect(
          Math.abs((g?.loss ?? NaN) - (w?.loss ?? NaN)) / scale,
          `loss at [${point.join(', ')}]`,
        ).toBeLessThan(1e-5);
        expect(g?.error, `error at [${point.join(', ')}]`).toBe(w?.error);
      });
      // The points differ: a kernel that ignored the coefficients would not pass.
      expect(new Set(got.map((v) => v.loss.toFixed(4))).size).toBe(POINTS.length);
    },
    TIMEOUT,
  );

  it(
    'gives the tfjs path’s logits at a vertex, off the simplex, and at a new point per batch',
    async () => {
      const compiled = await CompiledEvaluator.create(device, model, split, OPTIONS);
      const options = { makeBatch: batchMaker(OPTIONS.normalisation), batchSize: 5, limit: IMAGES };
      const perBatch = [
        [0.2, 0.3, 0.5],
        [1.3, -0.1, -0.2],
        [0, 0, 1],
      ];
      const points: EvalPoint[] = [
        { kind: 'vertex', vertex: 1 },
        { kind: 'coefficients', coefficients: [1.4, -0.6, 0.2] },
        { kind: 'eachBatch', coefficients: (b) => perBatch[b] ?? [] },
      ];
      try {
        for (const point of points) {
          const want = await predictLogits(model, split, point, options);
          const got = await compiled.logits(point);
          expect(got.length).toBe(IMAGES * 100);
          expectClose(got, want, 1e-5, point.kind);
        }
        // 'random' draws one point per batch from its stream, in batch order, on both paths.
        const want = await predictLogits(model, split, { kind: 'random', rng: new Rng(3) }, options);
        expectClose(await compiled.logits({ kind: 'random', rng: new Rng(3) }), want, 1e-5, 'random');
      } finally {
        compiled.dispose();
      }
    },
    TIMEOUT,
  );

  it(
    'refuses a point of the wrong length and use after dispose, with a message',
    async () => {
      const compiled = await CompiledEvaluator.create(device, model, split, { ...OPTIONS, images: 2 });
      await expect(compiled.evaluate([[1, 0]])).rejects.toThrow(/one coefficient per vertex \(3\)/);
      compiled.dispose();
      await expect(compiled.evaluate([[1, 0, 0]])).rejects.toThrow(/disposed/);
      await expect(CompiledEvaluator.create(device, model, split, { images: 0 })).rejects.toThrow(
        /at least one image/,
      );
      // One image more than one storage binding holds: refused before anything is allocated.
      const count = Math.floor(device.limits.maxStorageBufferBindingSize / (32 * 32 * 3 * 4)) + 1;
      const big = { images: new Uint8Array(count * 3072), labels: new Uint8Array(count), count };
      await expect(CompiledEvaluator.create(device, model, big, { images: count })).rejects.toThrow(
        new RegExp(`Evaluating ${count} images at once .* Evaluate fewer images`),
      );
    },
    TIMEOUT,
  );
});
