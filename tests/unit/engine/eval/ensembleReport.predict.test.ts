// Component predictions on the tfjs CPU backend with the reference simplex (VGG16 width 1/8) on
// four reference images: M copies of one point average to that point, a one-vertex simplex needs
// one pass, the random-point logits stay on the simplex, and no tensors are left behind.

import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  drawPoints,
  passesPerComponent,
  predictComponents,
} from '../../../../src/engine/eval/componentPredictions';
import { softmax } from '../../../../src/engine/eval/metrics';
import { SimplexModel } from '../../../../src/engine/simplex/simplexModel';
import { makeBatch } from '../../../../src/engine/train/trainingData';
import { Rng } from '../../../../src/engine/util/rng';
import { REFERENCE_DIR, REFERENCE_SPEC, expectClose, loadReference } from '../fixtures';

/** inputs.bin as an ImageSplit (CIFAR records: label byte then 3072 pixel bytes). */
function referenceSplit(count: number) {
  const bytes = readFileSync(path.join(REFERENCE_DIR, 'inputs.bin'));
  const images = new Uint8Array(count * 3072);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = bytes[i * 3073] ?? 0;
    images.set(bytes.subarray(i * 3073 + 1, (i + 1) * 3073), i * 3072);
  }
  return { images, labels, count };
}

describe('component predictions', () => {
  it('averages M identical points to that point and leaves no tensors', async () => {
    const ref = loadReference();
    const model = SimplexModel.fromVertices(REFERENCE_SPEC, ref.vertices);
    const single = SimplexModel.fromVertices(REFERENCE_SPEC, [ref.vertices[1] ?? []]);
    const split = referenceSplit(4);
    const before = tf.memory().numTensors;
    let passes = 0;
    const preds = await predictComponents(
      [
        {
          model,
          simplex: [0, 1, 2],
          modeVertex: 0,
          points: [
            [1, 0, 0],
            [1, 0, 0],
            [1, 0, 0],
          ],
        },
        { model: single, simplex: [0], modeVertex: 0, points: [[1], [1], [1]] },
      ],
      split,
      { makeBatch, batchSize: 3, limit: 0, pointGrid: [1, 3], randomSeed: 4, onPass: () => (passes += 1) },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(passes).toBe(passesPerComponent(3, 3) + passesPerComponent(1, 3));
    expect(passes).toBe(5 + 1);
    const [a, b] = preds.components;
    const modeProbs = softmax(a?.modeLogits ?? new Float32Array(), 10);
    expectClose(a?.probsByPoints.get(3) ?? [], modeProbs, 1e-6, 'M copies of vertex 0');
    expectClose(a?.probsByPoints.get(1) ?? [], modeProbs, 1e-6, 'one copy of vertex 0');
    // Vertex 0's logits agree with the PyTorch fixture's (first four images).
    expectClose(a?.modeLogits ?? [], ref.value('logits.vertex0').subarray(0, 40), 1e-4, 'vertex 0 logits');
    // The one-vertex simplex: its points and its random point are its mode.
    expect(b?.probsByPoints.get(3)).toEqual(softmax(b?.modeLogits ?? new Float32Array(), 10));
    expect(b?.randomLogits).toBe(b?.modeLogits);
    expect(preds.labels).toEqual(split.labels);
    model.dispose();
    single.dispose();
  });

  it('draws points on the simplex only, and anywhere along a curve', () => {
    const spec = { architecture: 'vgg11' as const, widthScale: 0.125 as const, numClasses: 10 };
    const simplex = SimplexModel.fresh(spec, 3, new Rng(3));
    const pts = drawPoints(simplex, [0, 2], 5, new Rng(1));
    expect(pts).toHaveLength(5);
    for (const p of pts) {
      expect(p[1]).toBe(0);
      expect((p[0] ?? 0) + (p[2] ?? 0)).toBeCloseTo(1, 12);
    }
    simplex.dispose();
    // A quadratic Bezier's points: (1 − t)², 2t(1 − t), t², whatever simplex is asked for.
    const curve = SimplexModel.fresh(spec, 3, new Rng(3), { curve: 'bezier' });
    for (const p of drawPoints(curve, [0, 2], 5, new Rng(1))) {
      const t = Math.sqrt(p[2] ?? NaN);
      expect(p[0]).toBeCloseTo((1 - t) ** 2, 12);
      expect(p[1]).toBeCloseTo(2 * t * (1 - t), 12);
    }
    curve.dispose();
  });
});
