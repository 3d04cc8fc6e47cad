// State dicts of the batch-norm families from elsewhere: depths, widths and class counts the
// fixtures do not have, read from the names and shapes alone, with their running statistics;
// and the files that are refused, each with one line naming the key and what was expected.

import { describe, expect, it } from 'vitest';
import type { RunningStatistic } from '../../../src/engine/formats/layout';
import { initVertex } from '../../../src/engine/model/init';
import { writeSafetensors, type TensorToWrite } from '../../../src/engine/formats/safetensors';
import {
  parseModelFile,
  stateDictTensors,
  type StateDictLayout,
} from '../../../src/engine/formats/stateDict';
import { Rng } from '../../../src/engine/util/rng';
import type { ModelSpec } from '../../../src/protocol/architecture';
import { StudioError } from '../../../src/protocol/errors';
import { network } from '../../../src/protocol/network';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

function statistics(spec: ModelSpec, seed: number): RunningStatistic[] {
  const rng = new Rng(seed);
  return network(spec).batchNorms.map((l, i) => ({
    mean: new Float32Array(l.channels).map(() => rng.normal()),
    variance: new Float32Array(l.channels).map(() => 0.5 + rng.next()),
    batches: 100 + i,
  }));
}

function tensors(
  spec: ModelSpec,
  layout: StateDictLayout,
  vertices = layout === 'base' ? 1 : 3,
): TensorToWrite[] {
  const rng = new Rng(7);
  return stateDictTensors(
    spec,
    layout,
    Array.from({ length: vertices }, () => initVertex(spec, rng)),
    statistics(spec, 1),
  );
}

const file = (t: TensorToWrite[]) => concat(writeSafetensors(t, {}));

function refusal(bytes: Uint8Array): StudioError {
  try {
    parseModelFile(bytes);
  } catch (err) {
    if (err instanceof StudioError) return err;
    throw err;
  }
  throw new Error('the file was accepted');
}

describe('batch-norm state dicts from elsewhere', () => {
  it('are read from names and shapes at depths, widths and class counts of every kind', () => {
    const specs: ModelSpec[] = [
      { architecture: 'preresnet14', widthScale: 1, numClasses: 100 },
      { architecture: 'preresnet56', widthScale: 0.25, numClasses: 7 },
      { architecture: 'vgg19bn', widthScale: 0.25, numClasses: 3 },
      { architecture: 'vgg11bn', widthScale: 0.5, numClasses: 10 },
    ];
    for (const spec of specs) {
      for (const layout of ['base', 'simplex'] as const) {
        const back = parseModelFile(file(tensors(spec, layout)));
        expect(back.spec, `${spec.architecture} ${layout}`).toEqual(spec);
        expect(back.layout).toBe(layout);
        const want = statistics(spec, 1);
        expect(back.statistics.map((s) => s.batches)).toEqual(want.map((s) => s.batches));
        expect(Array.from(back.statistics.at(-1)?.variance ?? [])).toEqual(
          Array.from(want.at(-1)?.variance ?? []),
        );
      }
    }
  });

  it('take a file without num_batches_tracked (PyTorch before 0.4.1) as 0 batches', () => {
    const spec: ModelSpec = { architecture: 'preresnet8', widthScale: 0.5, numClasses: 10 };
    const back = parseModelFile(
      file(tensors(spec, 'base').filter((t) => !t.name.endsWith('num_batches_tracked'))),
    );
    expect(back.statistics.every((s) => s.batches === 0)).toBe(true);
  });

  it('refuse a file without running statistics, naming what to save', () => {
    const spec: ModelSpec = { architecture: 'vgg16bn', widthScale: 0.125, numClasses: 10 };
    const e = refusal(file(tensors(spec, 'base').filter((t) => !/running_(mean|var)$/.test(t.name))));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(
      /vgg16bn has batch norm, but the file holds none of its running statistics \(bn1\.running_mean/,
    );
    expect(e.message).toMatch(/model\.state_dict\(\) keeps the buffers/);
  });

  it('refuse a missing or extra key and a shape that does not fit, naming each', () => {
    const spec: ModelSpec = { architecture: 'preresnet8', widthScale: 1, numClasses: 10 };
    const simplex = tensors(spec, 'simplex');
    const missing = refusal(file(simplex.filter((t) => t.name !== 'net.layer3.0.bn2.running_var')));
    expect(missing.message).toMatch(/missing net\.layer3\.0\.bn2\.running_var/);
    const extra = refusal(
      file([...simplex, { name: 'net.layer3.0.bn3.weight_0', shape: [64], data: new Float32Array(64) }]),
    );
    expect(extra.message).toMatch(/unexpected net\.layer3\.0\.bn3\.weight_0/);
    const wrong = simplex.map((t) =>
      t.name === 'net.layer2.0.downsample.weight_1'
        ? { ...t, shape: [32, 16, 3, 3], data: new Float32Array(32 * 16 * 9) }
        : t,
    );
    expect(refusal(file(wrong)).message).toMatch(
      /net\.layer2\.0\.downsample\.weight_1 is \[32, 16, 3, 3\], not \[32, 16, 1, 1\]/,
    );
    // PreResNetBase's shortcut is an nn.Sequential: `downsample.0.weight`, never `downsample.weight`.
    const base = tensors(spec, 'base').map((t) =>
      t.name === 'layer2.0.downsample.0.weight' ? { ...t, name: 'layer2.0.downsample.weight' } : t,
    );
    expect(refusal(file(base)).message).toMatch(
      /missing layer2\.0\.downsample\.0\.weight.*unexpected layer2\.0\.downsample\.weight/,
    );
  });

  it('refuse a depth the reference does not build', () => {
    // Bottleneck blocks, two per stage: depth 20, which the reference builds with basic blocks.
    const spec: ModelSpec = { architecture: 'preresnet47', widthScale: 0.25, numClasses: 10 };
    const cut = tensors(spec, 'base').filter((t) => !/^layer\d\.[2-4]\./.test(t.name));
    const e = refusal(file(cut));
    expect(e.message).toMatch(
      /its 2 bottleneck blocks per stage make depth 20: the reference builds depth 20 with basic blocks/,
    );
    // Basic blocks, eight per stage: depth 50, neither 6n+2 below 44 nor 9n+2.
    const deep: ModelSpec = { architecture: 'preresnet38', widthScale: 0.25, numClasses: 10 };
    const renamed = (t: TensorToWrite[], shift: number) =>
      t.map((x) => ({
        ...x,
        name: x.name.replace(
          /^layer(\d)\.(\d+)\./,
          (_, s: string, b: string) => `layer${s}.${Number(b) + shift}.`,
        ),
      }));
    const six = tensors(deep, 'base');
    const blocks = six.filter((t) => /^layer\d\.[0-5]\./.test(t.name) && !/^layer\d\.0\./.test(t.name));
    expect(refusal(file([...six, ...renamed(blocks, 5)])).message).toMatch(
      /its 11 basic blocks per stage make depth 68: PreResNet depth 68 is not one the reference builds: its depth must be 9n\+2 from 44/,
    );
  });
});
