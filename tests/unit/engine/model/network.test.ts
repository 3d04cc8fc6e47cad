import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { TfLayout } from '../../../../src/engine/formats/layout';
import {
  ARCHITECTURE_CHOICES,
  architectureError,
  isArchitecture,
  type ModelSpec,
} from '../../../../src/protocol/architecture';
import { network, paramCount, paramSpecs, statisticsCount } from '../../../../src/protocol/network';
import { initVertex } from '../../../../src/engine/model/init';
import { networkForward, type ForwardOptions } from '../../../../src/engine/model/network';
import { freshStatistics } from '../../../../src/engine/simplex/simplexModel';
import { Rng } from '../../../../src/engine/util/rng';
import { StudioError } from '../../../../src/protocol/errors';

function weightsFor(spec: ModelSpec, seed: number): tf.Tensor[] {
  const vertex = initVertex(spec, new Rng(seed));
  return paramSpecs(spec).map((p, i) => tf.tensor(vertex[i] as TfLayout, p.tfShape as number[]));
}

/** Evaluation options with PyTorch's fresh statistics (mean 0, variance 1) for a BN network. */
function evalOptions(spec: ModelSpec): ForwardOptions {
  const statistics = freshStatistics(network(spec).batchNorms).map((s) => ({
    mean: tf.tensor1d(s.mean),
    variance: tf.tensor1d(s.variance),
  }));
  return { training: false, statistics };
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof StudioError ? e.code : 'not a StudioError';
  }
  return undefined;
}

describe('the network descriptions', () => {
  it('name every parameter as the reference modules do, in state_dict order', () => {
    const names = (architecture: ModelSpec['architecture']) =>
      paramSpecs({ architecture, widthScale: 1, numClasses: 10 }).map((p) => p.name);
    expect(names('vgg11').slice(0, 4)).toEqual(['c1.weight', 'c1.bias', 'c2.weight', 'c2.bias']);
    expect(names('vgg11').slice(-2)).toEqual(['l3.weight', 'l3.bias']);
    expect(names('vgg16bn').slice(0, 6)).toEqual([
      'c1.weight',
      'c1.bias',
      'bn1.weight',
      'bn1.bias',
      'c2.weight',
      'c2.bias',
    ]);
    const resnet8 = names('preresnet8');
    expect(resnet8.slice(0, 7)).toEqual([
      'conv1.weight',
      'layer1.0.bn1.weight',
      'layer1.0.bn1.bias',
      'layer1.0.conv1.weight',
      'layer1.0.bn2.weight',
      'layer1.0.bn2.bias',
      'layer1.0.conv2.weight',
    ]);
    // The shortcut comes after the block's own layers, as PyTorch registers it.
    expect(resnet8).toContain('layer2.0.downsample.0.weight');
    expect(resnet8.indexOf('layer2.0.downsample.0.weight')).toBe(
      resnet8.indexOf('layer2.0.conv2.weight') + 1,
    );
    expect(resnet8.slice(-4)).toEqual(['bn.weight', 'bn.bias', 'fc.weight', 'fc.bias']);
    const simplex = paramSpecs({ architecture: 'preresnet8', widthScale: 1, numClasses: 10 }).map(
      (p) => p.simplexName,
    );
    expect(simplex).toContain('layer2.0.downsample.weight');
    expect(names('preresnet8').length).toBe(25);
  });

  it('builds PreResNets of the reference: basic blocks 6n+2, bottlenecks 9n+2 from 44', () => {
    const count = (architecture: ModelSpec['architecture'], kind: string) =>
      network({ architecture, widthScale: 1, numClasses: 10 }).layers.filter((l) => l.kind === kind).length;
    // PreResNet-20: 3 stages × 3 blocks × 2 convs + conv1 + 2 shortcuts; BN: 2 per block + final.
    expect(count('preresnet20', 'conv')).toBe(21);
    expect(count('preresnet20', 'batchNorm')).toBe(19);
    // PreResNet-47: 5 bottlenecks per stage, 3 convs each, a shortcut in every stage.
    expect(count('preresnet47', 'conv')).toBe(1 + 45 + 3);
    expect(count('preresnet164', 'batchNorm')).toBe(3 * 18 * 3 + 1);
    // Parameter counts of the reference's PreResNetBase in PyTorch 1.13.
    const params = (d: number) =>
      paramCount({ architecture: `preresnet${d}`, widthScale: 1, numClasses: 10 });
    expect([8, 20, 47, 110, 164].map(params)).toEqual([77_850, 272_282, 497_690, 1_146_842, 1_703_258]);
    const fc = network({ architecture: 'preresnet164', widthScale: 1, numClasses: 100 }).params.at(-2);
    expect(fc?.torchShape).toEqual([100, 256]);
    expect(statisticsCount({ architecture: 'vgg16', widthScale: 1, numClasses: 10 })).toBe(0);
  });

  it('accepts exactly the depths the reference builds', () => {
    for (const d of [8, 14, 20, 26, 32, 38, 47, 56, 110, 164, 1001])
      expect(isArchitecture(`preresnet${d}`)).toBe(true);
    for (const d of [2, 10, 44, 50, 100, 1010]) {
      expect(isArchitecture(`preresnet${d}`)).toBe(false);
      expect(architectureError(`preresnet${d}`)).toMatch(/PreResNet depth \d+/);
    }
    expect(architectureError('resnet18')).toMatch(/vgg11, vgg13, vgg16 or vgg19/);
    expect(ARCHITECTURE_CHOICES.every((a) => isArchitecture(a))).toBe(true);
  });
});

describe('networkForward', () => {
  it('gives [N, classes] logits for every family, width and class count', () => {
    const x = tf.randomNormal<tf.Rank.R4>([2, 32, 32, 3], 0, 1, 'float32', 1);
    const specs: ModelSpec[] = [
      ...(['vgg11', 'vgg13', 'vgg16', 'vgg19', 'vgg13bn'] as const).map((architecture): ModelSpec => ({
        architecture,
        widthScale: 0.125,
        numClasses: 100,
      })),
      { architecture: 'vgg11', widthScale: 0.25, numClasses: 3 },
      { architecture: 'preresnet14', widthScale: 0.5, numClasses: 7 },
      { architecture: 'preresnet47', widthScale: 0.25, numClasses: 10 },
    ];
    for (const spec of specs) {
      const w = weightsFor(spec, 1);
      const options = evalOptions(spec);
      const logits = networkForward(spec, w, x, options);
      expect(logits.shape).toEqual([2, spec.numClasses]);
      expect(logits.dataSync().every(Number.isFinite)).toBe(true);
      tf.dispose([logits, ...w, ...(options.statistics ?? []).flatMap((s) => [s.mean, s.variance])]);
    }
    x.dispose();
  });

  it('applies seeded dropout only when training with seeds', async () => {
    const spec: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
    const w = weightsFor(spec, 3);
    const x = tf.randomNormal<tf.Rank.R4>([4, 32, 32, 3], 0, 1, 'float32', 2);
    const run = (options: ForwardOptions) => networkForward(spec, w, x, options).dataSync();
    const evalA = run({ training: false });
    const evalB = run({ training: false });
    const trainA = run({ training: true, dropoutSeeds: [1, 2] });
    const trainA2 = run({ training: true, dropoutSeeds: [1, 2] });
    const trainB = run({ training: true, dropoutSeeds: [3, 4] });
    expect(evalA).toEqual(evalB);
    expect(trainA).toEqual(trainA2);
    expect(trainA).not.toEqual(trainB);
    expect(trainA).not.toEqual(evalA);
    // Training without seeds is training without dropout: for a network without batch norm, eval.
    expect(run({ training: true })).toEqual(evalA);
    expect(run({ training: false, dropoutSeeds: [1, 2] })).toEqual(evalA);
    // The rate is a parameter: 0 is the evaluation pass, another rate another mask.
    expect(run({ training: true, dropoutSeeds: [1, 2], dropoutRate: 0 })).toEqual(evalA);
    expect(run({ training: true, dropoutSeeds: [1, 2], dropoutRate: 0.2 })).not.toEqual(trainA);
    expect(codeOf(() => run({ training: true, dropoutSeeds: [1, 2], dropoutRate: 1 }))).toBe('BAD_SETTINGS');
    tf.dispose([x, ...w]);
    await Promise.resolve();
  });

  it('rejects wrong weights, images and missing statistics', () => {
    const spec: ModelSpec = { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 };
    const w = weightsFor(spec, 4);
    const x = tf.zeros<tf.Rank.R4>([1, 32, 32, 3]);
    const small = tf.zeros<tf.Rank.R4>([1, 28, 28, 3]);
    expect(codeOf(() => networkForward(spec, w.slice(1), x, { training: false }))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => networkForward({ ...spec, numClasses: 100 }, w, x, { training: false }))).toBe(
      'SHAPE_MISMATCH',
    );
    expect(codeOf(() => networkForward(spec, w, small, { training: false }))).toBe('SHAPE_MISMATCH');
    const bn: ModelSpec = { architecture: 'preresnet8', widthScale: 0.5, numClasses: 10 };
    const wb = weightsFor(bn, 4);
    expect(codeOf(() => networkForward(bn, wb, x, { training: false }))).toBe('INTERNAL');
    tf.dispose([x, small, ...w, ...wb]);
  });

  it('leaves no tensors behind, and hands over the batch moments it is asked for', () => {
    for (const architecture of ['vgg11', 'preresnet8'] as const) {
      const spec: ModelSpec = { architecture, widthScale: 0.125, numClasses: 10 };
      const w = weightsFor(spec, 5);
      const x = tf.randomNormal<tf.Rank.R4>([2, 32, 32, 3]);
      const before = tf.memory().numTensors;
      const moments: NonNullable<ForwardOptions['moments']> = [];
      networkForward(spec, w, x, { training: true, dropoutSeeds: [5, 6], moments }).dispose();
      const layers = network(spec).batchNorms;
      expect(moments.length).toBe(layers.length);
      moments.forEach((m, i) => {
        expect(m.mean.shape).toEqual([layers[i]?.channels]);
        expect(m.count).toBe(2 * (layers[i]?.side ?? 0) ** 2);
      });
      expect(tf.memory().numTensors).toBe(before + 2 * moments.length);
      tf.dispose([x, ...w, ...moments.flatMap((m) => [m.mean, m.variance])]);
    }
  });
});
