import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { TfLayout, TfVertex } from '../../../../src/engine/formats/layout';
import type { ModelSpec } from '../../../../src/protocol/architecture';
import { initVertex } from '../../../../src/engine/model/init';
import { LOG_VOLUME_EPS, simplexVolume } from '../../../../src/engine/simplex/cayleyMenger';
import { SimplexModel } from '../../../../src/engine/simplex/simplexModel';
import {
  MIN_LAMBDA,
  calibrateLambda,
  lambdaFromVolume,
  volumePull,
  measureVolume,
  squaredDistances,
  distanceMatrix,
  meanRow,
} from '../../../../src/engine/simplex/volume';
import { Rng } from '../../../../src/engine/util/rng';
import { expectClose } from '../fixtures';

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };

/** Squared distances in float64, straight from the definition. */
function exactDistances(vs: readonly TfVertex[]): Float64Array {
  const n = vs.length;
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      (vs[i] ?? []).forEach((p, k) => {
        const q = vs[j]?.[k] as TfLayout;
        for (let e = 0; e < p.length; e++) s += ((p[e] ?? 0) - (q[e] ?? 0)) ** 2;
      });
      d[i * n + j] = s;
    }
  }
  return d;
}

describe('squared distances on the backend', () => {
  it('match float64 distances between fresh vertices', async () => {
    const rng = new Rng(1);
    const vs = Array.from({ length: 4 }, () => initVertex(SPEC, rng));
    const model = SimplexModel.fromVertices(SPEC, vs);
    const d = squaredDistances(model.stacks, [0, 1, 2, 3]);
    expect(d.shape).toEqual([6]);
    expectClose(distanceMatrix(await d.data(), 4), exactDistances(vs), 1e-5, 'D');
    tf.dispose(d);
    model.dispose();
  });

  it('stay accurate for close vertices far from the origin', async () => {
    const rng = new Rng(2);
    const base = initVertex(SPEC, rng).map((p) => p.map((v) => 30 + v) as TfLayout);
    const near = (): TfVertex => base.map((p) => p.map((v) => v + 1e-3 * rng.normal()) as TfLayout);
    const vs = [base, near(), near()];
    const model = SimplexModel.fromVertices(SPEC, vs);
    const m = await measureVolume(model);
    const exact = exactDistances(vs);
    expectClose(m.squaredDistances, exact, 1e-3, 'D');
    expect(m.volume / simplexVolume(exact, 3)).toBeCloseTo(1, 2);
    model.dispose();
  });
});

describe('measureVolume and volumePull', () => {
  it('measures the chosen simplex of the complex', async () => {
    const rng = new Rng(3);
    const vs = Array.from({ length: 3 }, () => initVertex(SPEC, rng));
    const model = SimplexModel.fromVertices(SPEC, vs, {
      complex: [
        [0, 2],
        [0, 1, 2],
      ],
    });
    const exact = exactDistances(vs);
    const first = await measureVolume(model);
    expect(first.vertices).toEqual([0, 2]);
    expect(first.volume / (exact[2] ?? NaN)).toBeCloseTo(1, 5);
    const second = await measureVolume(model, 1);
    expect(second.volume / simplexVolume(exact, 3)).toBeCloseTo(1, 4);
    expect(second.logVolume).toBeCloseTo(Math.log(second.volume + LOG_VOLUME_EPS), 12);
    await expect(measureVolume(model, 2)).rejects.toThrow(/no simplex 2/);
    model.dispose();
  });

  it('chains ∂log(V+ε)/∂D = W to the vertices: ∂/∂xᵢ = 2 Σⱼ (Wᵢⱼ + Wⱼᵢ)(xᵢ − xⱼ)', async () => {
    const rng = new Rng(4);
    const vs = Array.from({ length: 3 }, () => initVertex(SPEC, rng));
    const model = SimplexModel.fromVertices(SPEC, vs);
    const m = await measureVolume(model);
    // The pull of −λ·log(V+ε) at λ = −1 is the gradient of +log(V+ε).
    const pull = tf.tensor2d(volumePull(model, m, -1));
    const grads = model.stacks.map((stack) => tf.matMul(pull, stack));
    const w = (i: number, j: number) => (m.gradient[i * 3 + j] ?? 0) + (m.gradient[j * 3 + i] ?? 0);
    for (const [k, p] of model.params.entries()) {
      if (p.size < 1000) continue;
      const actual = await (grads[k] as tf.Tensor).data();
      const expected = new Float64Array(3 * p.size);
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          const xi = vs[i]?.[k] as TfLayout;
          const xj = vs[j]?.[k] as TfLayout;
          for (let e = 0; e < p.size; e++) {
            expected[i * p.size + e] =
              (expected[i * p.size + e] ?? 0) + 2 * w(i, j) * ((xi[e] ?? 0) - (xj[e] ?? 0));
          }
        }
      }
      expectClose(actual, expected, 1e-4, p.name);
    }
    tf.dispose([pull, ...grads]);
    model.dispose();
  });

  it('refuses a measurement of another simplex', async () => {
    const model = SimplexModel.fresh(SPEC, 2, new Rng(5));
    const m = await measureVolume(model);
    model.addVertex();
    expect(() => volumePull(model, m, 1)).toThrow(/measure it again/);
    model.dispose();
  });
});

describe('λ calibration', () => {
  it('is max(LMBD / log(V_init + 1e-4), 1e-8), as the reference', () => {
    expect(lambdaFromVolume(1, Math.E ** 4 - 1e-4)).toBeCloseTo(0.25, 12);
    expect(lambdaFromVolume(1e-10, 1e6)).toBe(MIN_LAMBDA);
    // log(V + ε) < 0 makes the ratio negative: the floor wins.
    expect(lambdaFromVolume(1, 0.5)).toBe(MIN_LAMBDA);
  });

  it('measures V_init on freshly initialised vertices, reproducibly', async () => {
    const spec: ModelSpec = { architecture: 'vgg16', widthScale: 0.125, numClasses: 10 };
    const one = await calibrateLambda(spec, 1, 1e-6, new Rng(1));
    expect(one.initialVolume).toBe(1);
    expect(one.lambda).toBeCloseTo(1e-6 / Math.log(1 + 1e-4), 10);
    const a = await calibrateLambda(spec, 3, 1, new Rng(7));
    const b = await calibrateLambda(spec, 3, 1, new Rng(7));
    expect(a).toEqual(b);
    expect(a.lambda).toBeCloseTo(1 / Math.log(a.initialVolume + 1e-4), 12);
    // Fresh VGG16/8 vertices lie ~√(2·Σ size/(3·fan_in)) apart: V for 2 vertices is D itself.
    const two = await calibrateLambda(spec, 2, 1e-10, new Rng(8));
    expect(two.initialVolume).toBeGreaterThan(300);
    expect(two.initialVolume).toBeLessThan(600);
    expect(two.lambda).toBe(MIN_LAMBDA);
    await expect(calibrateLambda(spec, 0, 1, new Rng(1))).rejects.toThrow(/vertex count/);
  });
});

describe('meanRow', () => {
  it('is the mean over rows, as [1, size], for one, two and five rows', () => {
    for (const n of [1, 2, 5]) {
      const values = Float32Array.from({ length: n * 7 }, (_, i) => Math.sin(i * 1.7) * (i + 1));
      const rows = tf.tensor2d(values, [n, 7]);
      const got = meanRow(rows);
      expect(got.shape).toEqual([1, 7]);
      const want = Array.from({ length: 7 }, (_, c) => {
        let sum = 0;
        for (let r = 0; r < n; r++) sum += values[r * 7 + c] ?? NaN;
        return sum / n;
      });
      expectClose(got.dataSync(), want, 1e-6);
      tf.dispose([rows, got]);
    }
  });
});
