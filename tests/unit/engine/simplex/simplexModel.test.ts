import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { TfLayout, TfVertex } from '../../../../src/engine/formats/layout';
import type { ModelSpec } from '../../../../src/protocol/architecture';
import { initVertex } from '../../../../src/engine/model/init';
import { SimplexModel } from '../../../../src/engine/simplex/simplexModel';
import { Rng } from '../../../../src/engine/util/rng';
import { expectClose, expectSame } from '../fixtures';

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };

const models: SimplexModel[] = [];
function track(m: SimplexModel): SimplexModel {
  models.push(m);
  return m;
}
afterEach(() => {
  models.splice(0).forEach((m) => {
    m.dispose();
  });
});

function vertices(n: number, seed: number): TfVertex[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => initVertex(SPEC, rng));
}

describe('SimplexModel', () => {
  it('stores each parameter of all vertices as one [k, size] variable and reads vertices back exactly', async () => {
    const vs = vertices(3, 1);
    const model = track(SimplexModel.fromVertices(SPEC, vs));
    expect(model.stacks).toHaveLength(model.params.length);
    model.stacks.forEach((s, i) => {
      expect(s.shape).toEqual([3, model.params[i]?.size]);
    });
    const back = await model.readVertices();
    back.forEach((v, i) => {
      v.forEach((p, j) => {
        expectSame(p, vs[i]?.[j]);
      });
    });
  });

  it('mixes layers as Σ αᵢ·vertexᵢ, and a one-hot α gives the vertex itself', async () => {
    const vs = vertices(3, 2);
    const model = track(SimplexModel.fromVertices(SPEC, vs));
    const alpha = [0.2, 0.3, 0.5];
    const mixed = tf.tidy(() => model.mixedWeights(alpha));
    for (const [i, p] of model.params.entries()) {
      expect(mixed[i]?.shape).toEqual(p.tfShape);
      const expected = (vs[0]?.[i] as TfLayout).map((_, j) =>
        alpha.reduce((s, a, v) => s + a * ((vs[v]?.[i] as TfLayout)[j] ?? 0), 0),
      );
      expectClose(await (mixed[i] as tf.Tensor).data(), expected, 1e-6, p.name);
    }
    tf.dispose(mixed);
    const x = tf.randomNormal<tf.Rank.R4>([2, 32, 32, 3], 0, 1, 'float32', 3);
    const atVertex = model.forwardAtVertex(x, 1);
    const oneHot = model.forward(x, [0, 1, 0], { training: false });
    expectClose(await oneHot.data(), await atVertex.data(), 1e-6, 'one-hot');
    tf.dispose([x, atVertex, oneHot]);
  });

  it('adds a vertex at the centroid of the vertices it joins, freezing the others', async () => {
    const vs = vertices(4, 4);
    const model = track(
      SimplexModel.fromVertices(SPEC, vs, { complex: [[0, 2], [1, 2], [3]], name: 'centroid_test' }),
    );
    const before = tf.memory().numTensors;
    const oldNames = model.stacks.map((s) => s.name);
    const index = model.addVertex([0, 1]);
    expect(index).toBe(4);
    expect(model.vertexCount).toBe(5);
    expect(model.complex).toEqual([[0, 2, 4], [1, 2, 4], [3]]);
    expect(model.frozen).toEqual([true, true, true, true, false]);
    expect(model.stacks[0]?.name).toBe('centroid_test/c1.weight@5');
    expect(oldNames[0]).toBe('centroid_test/c1.weight@4');
    // Old stacks replaced, not leaked.
    expect(tf.memory().numTensors).toBe(before);
    const added = await model.readVertex(4);
    for (const [i, p] of model.params.entries()) {
      const expected = (vs[0]?.[i] as TfLayout).map(
        (_, j) => [0, 1, 2].reduce((s, v) => s + ((vs[v]?.[i] as TfLayout)[j] ?? 0), 0) / 3,
      );
      expectClose(added[i] as TfLayout, expected, 1e-6, p.name);
    }
    const kept = await model.readVertex(3);
    kept.forEach((p, i) => {
      expectSame(p, vs[3]?.[i]);
    });
  });

  it('writes a vertex in place', async () => {
    const model = track(SimplexModel.fromVertices(SPEC, vertices(3, 5)));
    const replacement = vertices(1, 6)[0] as TfVertex;
    model.writeVertex(1, replacement);
    const back = await model.readVertex(1);
    back.forEach((p, i) => {
      expectSame(p, replacement[i]);
    });
  });

  it('freezes and unfreezes vertices', () => {
    const model = track(SimplexModel.fromVertices(SPEC, vertices(3, 7), { frozen: [true, false, true] }));
    model.setFrozen(0, false);
    expect(model.frozen).toEqual([false, false, true]);
    model.setFrozen(1, true);
    model.setFrozen(0, true);
    expect(model.hasTrainable).toBe(false);
  });

  it('samples coefficients from its complex, reproducibly', () => {
    const model = track(
      SimplexModel.fromVertices(SPEC, vertices(3, 8), {
        complex: [
          [0, 1],
          [1, 2],
        ],
      }),
    );
    const a = new Rng(1);
    const b = new Rng(1);
    for (let i = 0; i < 5; i++) {
      const c = model.sampleCoefficients(a);
      expect(c).toEqual(model.sampleCoefficients(b));
      expect(c[0] === 0 || c[2] === 0).toBe(true);
    }
  });

  it('refuses bad input with actionable errors', () => {
    const vs = vertices(2, 9);
    expect(() => SimplexModel.fromVertices(SPEC, [])).toThrow(/at least one vertex/);
    expect(() => SimplexModel.fromVertices(SPEC, vs, { frozen: [true] })).toThrow(/one per vertex/);
    expect(() => SimplexModel.fromVertices(SPEC, vs, { complex: [[0, 2]] })).toThrow(/vertex 2/);
    expect(() => SimplexModel.fromVertices({ ...SPEC, numClasses: 100 }, vs)).toThrow(/l3.weight/);
    const model = track(SimplexModel.fromVertices(SPEC, vs));
    expect(() => tf.tidy(() => model.mixedWeights([1]))).toThrow(/2 expected, 1 given/);
    expect(() => model.vertexWeights(2)).toThrow(/no vertex 2/);
  });

  it('releases every tensor on dispose', () => {
    const before = tf.memory().numTensors;
    const model = SimplexModel.fresh(SPEC, 2, new Rng(10));
    model.addVertex();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => model.stacks).toThrow(/disposed/);
  });
});
