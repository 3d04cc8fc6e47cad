// The curve procedure against PyTorch and the curve code itself (tests/pytorch/make_curve_fixtures.py
// imports dnn-mode-connectivity's curves.py): its Bezier and PolyChain coefficients, the point
// θ(t), and the loss the curve code trains (cross-entropy + ½·wd·|θ(t)|²) with its gradient with
// respect to the free bend, on the reference VGG16 (width 1/8) with vertex0 and vertex2 as the
// fixed ends and vertex1 as the bend.

import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../src/engine/formats/safetensors';
import { asTorchLayout, torchToTf } from '../../../../src/engine/formats/stateDict';
import { curveCoefficients, type Curve } from '../../../../src/protocol/curve';
import { SimplexModel } from '../../../../src/engine/simplex/simplexModel';
import { curveStart } from '../../../../src/engine/train/trainer';
import { curveLrAt } from '../../../../src/engine/train/schedule';
import { disposeSproResult, sproLossAndGrads } from '../../../../src/engine/train/spro';
import { paramSpecs } from '../../../../src/protocol/network';
import { REFERENCE_SPEC, expectClose, loadReference } from '../fixtures';

const DIR = path.resolve(__dirname, '../../../fixtures/curve');
const record = JSON.parse(readFileSync(path.join(DIR, 'curve-reference.json'), 'utf8')) as {
  wd: number;
  cases: { curve: Curve; t: number; c: number[]; loss: number }[];
  coefficients: { curve: Curve; bends: number; t: number; c: number[] }[];
};
const tensors = readSafetensors(new Uint8Array(readFileSync(path.join(DIR, 'curve-reference.safetensors'))));
const tfOf = (name: string) =>
  paramSpecs(REFERENCE_SPEC).map((p) => {
    const t = tensors.tensors.get(`${name}.${p.name}`);
    if (!t) throw new Error(`fixture lacks ${name}.${p.name}`);
    return torchToTf(p, asTorchLayout(p, t.data));
  });

describe('curves between two modes', () => {
  it('has the curve code’s Bezier and PolyChain coefficients', () => {
    expect(record.coefficients.length).toBeGreaterThan(30);
    for (const { curve, bends, t, c } of record.coefficients) {
      expectClose(curveCoefficients(curve, bends, t), c, 1e-6, `${curve} ${bends} points at t = ${t}`);
    }
  });

  for (const { curve, t, c, loss } of record.cases) {
    it(`${curve} at t = ${t}: the point, the curve code's loss and its gradient with respect to the bend, as PyTorch's`, async () => {
      const ref = loadReference();
      const [a, bend, b] = ref.vertices as [
        (typeof ref.vertices)[0],
        (typeof ref.vertices)[0],
        (typeof ref.vertices)[0],
      ];
      const model = SimplexModel.fromVertices(REFERENCE_SPEC, [a, bend, b], {
        frozen: [true, false, true],
        curve,
      });
      const coefficients = curveCoefficients(curve, 3, t);
      expectClose(coefficients, c, 1e-6, 'coefficients');
      if (curve === 'bezier') {
        const point = tf.tidy(() => model.mixedWeights(coefficients).map((w) => w.dataSync().slice()));
        tfOf('bezier.point').forEach((want, i) => {
          expectClose(point[i] as Float32Array, want, 1e-6, `θ(t) ${i}`);
        });
      }
      const x = tf.tensor4d(ref.images.x, [ref.images.n, 32, 32, 3]);
      const labels = tf.tensor1d(ref.images.labels, 'int32');
      const result = sproLossAndGrads(
        model,
        { x, labels },
        [{ coefficients, dropoutSeeds: null }],
        { lambda: 0, reduction: 'sum', l2: record.wd },
        null,
      );
      try {
        expect(Math.abs(((await result.loss.data())[0] as number) - loss)).toBeLessThan(1e-4 * loss);
        // The bend's gradient: its row weight (its coefficient) times the gradient at θ(t).
        const weight = result.rows.weights[0]?.[1] as number;
        expect(weight).toBeCloseTo(c[1] as number, 6);
        expect(result.rows.trainable).toEqual([false, true, false]);
        const want = tfOf(`${curve}.grad`);
        for (const [i, g] of result.grads.entries()) {
          const got = (await g.grad.data()).map((v) => v * weight);
          expectClose(
            got,
            want[i] as Float32Array,
            1e-4,
            `bend gradient ${paramSpecs(REFERENCE_SPEC)[i]?.name ?? i}`,
          );
        }
      } finally {
        disposeSproResult(result);
        tf.dispose([x, labels]);
        model.dispose();
      }
    });
  }

  it('starts its bends on the straight line between the ends, and samples t uniformly on the curve', () => {
    const ref = loadReference();
    const [a, , b] = ref.vertices;
    const start = curveStart([a as never, b as never], 4);
    expect(start.frozen).toEqual([true, false, false, true]);
    expect(start.complex).toEqual([[0, 1, 2, 3]]);
    const first = (v: number) => (start.vertices[v]?.[0] as Float32Array)[5] as number;
    const ends = [(a?.[0] as Float32Array)[5] as number, (b?.[0] as Float32Array)[5] as number];
    expect(first(1)).toBeCloseTo((2 / 3) * (ends[0] as number) + (1 / 3) * (ends[1] as number), 6);
    expect(first(2)).toBeCloseTo((1 / 3) * (ends[0] as number) + (2 / 3) * (ends[1] as number), 6);
  });

  it('follows the curve code’s schedule: full, then down to 1% between half and 90% of the epochs', () => {
    const lr = Array.from({ length: 10 }, (_, e) => curveLrAt(0.015, e, 10));
    expect(lr.slice(0, 5)).toEqual([0.015, 0.015, 0.015, 0.015, 0.015]);
    // Epoch 6 of 10 (α = 0.6): 1 − 0.1/0.4·0.99.
    expect(lr[5]).toBeCloseTo(0.015 * (1 - 0.25 * 0.99), 12);
    expect(lr[8]).toBeCloseTo(0.015 * 0.01, 12);
    expect(lr[9]).toBeCloseTo(0.015 * 0.01, 12);
  });
});
