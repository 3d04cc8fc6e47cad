import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { TfLayout } from '../../../../src/engine/formats/layout';
import { ARCHITECTURES, paramSpecs, type ModelSpec } from '../../../../src/protocol/architecture';
import { initVertex } from '../../../../src/engine/model/init';
import { vggForward } from '../../../../src/engine/model/vgg';
import { Rng } from '../../../../src/engine/util/rng';
import { StudioError } from '../../../../src/protocol/errors';

function weightsFor(spec: ModelSpec, seed: number): tf.Tensor[] {
  const vertex = initVertex(spec, new Rng(seed));
  return paramSpecs(spec).map((p, i) => tf.tensor(vertex[i] as TfLayout, p.tfShape as number[]));
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof StudioError ? e.code : 'not a StudioError';
  }
  return undefined;
}

describe('vggForward', () => {
  it('gives [N, classes] logits for every architecture, width and class count', () => {
    const x = tf.randomNormal<tf.Rank.R4>([2, 32, 32, 3], 0, 1, 'float32', 1);
    for (const architecture of ARCHITECTURES) {
      const spec: ModelSpec = { architecture, widthScale: 0.125, numClasses: 100 };
      const w = weightsFor(spec, 1);
      const logits = vggForward(spec, w, x, { training: false });
      expect(logits.shape).toEqual([2, 100]);
      tf.dispose([logits, ...w]);
    }
    const spec: ModelSpec = { architecture: 'vgg11', widthScale: 0.25, numClasses: 3 };
    const w = weightsFor(spec, 2);
    const logits = vggForward(spec, w, x, { training: false });
    expect(logits.shape).toEqual([2, 3]);
    tf.dispose([logits, x, ...w]);
  });

  it('applies seeded dropout only when training', async () => {
    const spec: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
    const w = weightsFor(spec, 3);
    const x = tf.randomNormal<tf.Rank.R4>([4, 32, 32, 3], 0, 1, 'float32', 2);
    const run = (options: Parameters<typeof vggForward>[3]) => vggForward(spec, w, x, options).dataSync();
    const evalA = run({ training: false });
    const evalB = run({ training: false });
    const trainA = run({ training: true, dropoutSeeds: [1, 2] });
    const trainA2 = run({ training: true, dropoutSeeds: [1, 2] });
    const trainB = run({ training: true, dropoutSeeds: [3, 4] });
    expect(evalA).toEqual(evalB);
    expect(trainA).toEqual(trainA2);
    expect(trainA).not.toEqual(trainB);
    expect(trainA).not.toEqual(evalA);
    expect(codeOf(() => vggForward(spec, w, x, { training: true }))).toBe('INTERNAL');
    // The rate is a parameter: 0 is the evaluation pass, another rate another mask.
    expect(run({ training: true, dropoutSeeds: [1, 2], dropoutRate: 0 })).toEqual(evalA);
    expect(run({ training: true, dropoutSeeds: [1, 2], dropoutRate: 0.2 })).not.toEqual(trainA);
    expect(codeOf(() => run({ training: true, dropoutSeeds: [1, 2], dropoutRate: 1 }))).toBe('BAD_SETTINGS');
    tf.dispose([x, ...w]);
    await Promise.resolve();
  });

  it('rejects wrong weights and images with SHAPE_MISMATCH', () => {
    const spec: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
    const w = weightsFor(spec, 4);
    const x = tf.zeros<tf.Rank.R4>([1, 32, 32, 3]);
    const small = tf.zeros<tf.Rank.R4>([1, 28, 28, 3]);
    expect(codeOf(() => vggForward(spec, w.slice(1), x, { training: false }))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => vggForward({ ...spec, numClasses: 100 }, w, x, { training: false }))).toBe(
      'SHAPE_MISMATCH',
    );
    expect(codeOf(() => vggForward(spec, w, small, { training: false }))).toBe('SHAPE_MISMATCH');
    tf.dispose([x, small, ...w]);
  });

  it('leaves no tensors behind', () => {
    const spec: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
    const w = weightsFor(spec, 5);
    const x = tf.zeros<tf.Rank.R4>([1, 32, 32, 3]);
    const before = tf.memory().numTensors;
    vggForward(spec, w, x, { training: true, dropoutSeeds: [5, 6] }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, ...w]);
  });
});
