import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../../../src/protocol/architecture';
import { rowGradients } from '../../../../src/engine/simplex/rowKernels';
import { SimplexModel } from '../../../../src/engine/simplex/simplexModel';
import { Sgd } from '../../../../src/engine/train/sgd';
import {
  computeSproGradients,
  disposeSproResult,
  sampleDraws,
  sproLossAndGrads,
  usesVolumeTerm,
  type SproBatch,
  type SproOptions,
} from '../../../../src/engine/train/spro';
import { Rng } from '../../../../src/engine/util/rng';
import { expectClose, expectSame } from '../fixtures';

const SPEC: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };

function batch(n: number, seed: number): SproBatch {
  const rng = new Rng(seed);
  return {
    x: tf.tensor4d(
      Float32Array.from({ length: n * 3072 }, () => rng.normal()),
      [n, 32, 32, 3],
    ),
    labels: tf.tensor1d(
      Array.from({ length: n }, () => rng.int(10)),
      'int32',
    ),
  };
}

/** A base vertex (frozen) plus one SPRO vertex at its centroid, trained. */
function sproModel(seed: number): SimplexModel {
  // The reference's plain-VGG init (He-normal convs) trains visibly within a few steps.
  const model = SimplexModel.fresh(SPEC, 1, new Rng(seed), { scheme: 'base' });
  model.addVertex();
  return model;
}

const OPTIONS: SproOptions & { nSample: number; training: boolean } = {
  lambda: 0.01,
  reduction: 'sum',
  nSample: 1,
  training: true,
};

describe('SPRO step', () => {
  it('keeps tf.memory().numTensors flat over 20 steps', async () => {
    const model = sproModel(1);
    const data = batch(2, 2);
    const sgd = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
    const rng = new Rng(3);
    const counts: number[] = [];
    for (let step = 0; step < 20; step++) {
      const result = await computeSproGradients(model, data, rng, OPTIONS);
      expect(result.volume).not.toBeNull();
      sgd.step(result.grads, 0.01, result.rows);
      disposeSproResult(result);
      counts.push(tf.memory().numTensors);
    }
    // The first step creates the momentum buffers; after that nothing may accumulate.
    expect(new Set(counts.slice(1)).size).toBe(1);
    sgd.dispose();
    model.dispose();
    tf.dispose([data.x, data.labels]);
  });

  it('is deterministic: the same seed gives the same draws, losses and weights', async () => {
    const run = async (): Promise<{ draws: unknown[]; losses: number[]; vertex: Float32Array[] }> => {
      const model = sproModel(4);
      const data = batch(2, 5);
      const sgd = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
      const rng = new Rng(6);
      const draws: unknown[] = [];
      const losses: number[] = [];
      for (let step = 0; step < 3; step++) {
        const result = await computeSproGradients(model, data, rng, { ...OPTIONS, nSample: 2 });
        draws.push(result.draws);
        losses.push((await result.loss.data())[0] ?? NaN);
        sgd.step(result.grads, 0.05, result.rows);
        disposeSproResult(result);
      }
      const vertex = await model.readVertex(1);
      sgd.dispose();
      model.dispose();
      tf.dispose([data.x, data.labels]);
      return { draws, losses, vertex };
    };
    const a = await run();
    const b = await run();
    expect(a.draws).toEqual(b.draws);
    expect(a.losses).toEqual(b.losses);
    a.vertex.forEach((p, i) => {
      expectSame(p, b.vertex[i]);
    });
  });

  it('sums the draws by default (as the reference) and averages with reduction "mean"', async () => {
    const model = SimplexModel.fresh(SPEC, 3, new Rng(7));
    const data = batch(2, 8);
    const draws = sampleDraws(model, new Rng(9), 3, false);
    const sum = sproLossAndGrads(model, data, draws, { lambda: 0, reduction: 'sum' }, null);
    const mean = sproLossAndGrads(model, data, draws, { lambda: 0, reduction: 'mean' }, null);
    const s = (await sum.loss.data())[0] ?? NaN;
    expect((await mean.loss.data())[0]).toBeCloseTo(s / 3, 5);
    expect((await sum.crossEntropy.data())[0]).toBeCloseTo(s, 5);
    // And so do the vertices' gradients, as the optimizer forms them.
    const vertexGrad = (r: typeof sum) =>
      tf.tidy(() =>
        rowGradients(
          r.grads[0]?.variable as tf.Variable<tf.Rank.R2>,
          r.grads[0]?.grad as tf.Tensor2D,
          r.rows,
        ),
      );
    const gs = vertexGrad(sum);
    const gm = vertexGrad(mean);
    expectClose(
      await gm.data(),
      Array.from(await gs.data(), (g) => g / 3),
      1e-5,
      'mean gradient',
    );
    tf.dispose([gs, gm]);
    [sum, mean].forEach(disposeSproResult);
    model.dispose();
    tf.dispose([data.x, data.labels]);
  });

  it('adds −λ·log(V + 1e-4) only for λ > 0 and a simplex 0 of two or more vertices', async () => {
    const single = SimplexModel.fresh(SPEC, 1, new Rng(10));
    const pair = SimplexModel.fresh(SPEC, 2, new Rng(11));
    expect(usesVolumeTerm(single, { lambda: 1, reduction: 'sum' })).toBe(false);
    expect(usesVolumeTerm(pair, { lambda: 0, reduction: 'sum' })).toBe(false);
    expect(usesVolumeTerm(pair, { lambda: 1, reduction: 'sum' })).toBe(true);
    const data = batch(2, 12);
    const noVolume = await computeSproGradients(single, data, new Rng(1), { ...OPTIONS, lambda: 1 });
    expect(noVolume.volume).toBeNull();
    const withVolume = await computeSproGradients(pair, data, new Rng(1), { ...OPTIONS, lambda: 0.5 });
    const v = withVolume.volume;
    expect(v?.vertices).toEqual([0, 1]);
    const loss = (await withVolume.loss.data())[0] ?? NaN;
    const ce = (await withVolume.crossEntropy.data())[0] ?? NaN;
    expect(loss).toBeCloseTo(ce - 0.5 * (v?.logVolume ?? NaN), 4);
    expect(() =>
      sproLossAndGrads(pair, data, withVolume.draws, { lambda: 0.5, reduction: 'sum' }, null),
    ).toThrow(/no volume was measured/);
    [noVolume, withVolume].forEach(disposeSproResult);
    single.dispose();
    pair.dispose();
    tf.dispose([data.x, data.labels]);
  });

  it('trains only the new vertex, and its loss falls on a fixed batch', async () => {
    const model = sproModel(13);
    const base = await model.readVertex(0);
    const data = batch(4, 14);
    const sgd = new Sgd({ momentum: 0.9, weightDecay: 5e-4 });
    const rng = new Rng(15);
    const losses: number[] = [];
    const options = { ...OPTIONS, training: false, nSample: 1 };
    for (let step = 0; step < 8; step++) {
      const result = await computeSproGradients(model, data, rng, options);
      losses.push((await result.crossEntropy.data())[0] ?? NaN);
      sgd.step(result.grads, 0.05, result.rows);
      disposeSproResult(result);
    }
    expect(losses.at(-1), losses.join(', ')).toBeLessThan((losses[0] ?? 0) - 0.05);
    (await model.readVertex(0)).forEach((p, i) => {
      expectSame(p, base[i]);
    });
    const m = model.vertexCount;
    expect(m).toBe(2);
    sgd.dispose();
    model.dispose();
    tf.dispose([data.x, data.labels]);
  });

  it('refuses to train a model whose vertices are all frozen', () => {
    const model = SimplexModel.fresh(SPEC, 2, new Rng(16), { frozen: [true, true] });
    const data = batch(1, 17);
    expect(() =>
      sproLossAndGrads(
        model,
        data,
        sampleDraws(model, new Rng(1), 1, false),
        { lambda: 0, reduction: 'sum' },
        null,
      ),
    ).toThrow(/frozen/);
    model.dispose();
    tf.dispose([data.x, data.labels]);
  });
});
