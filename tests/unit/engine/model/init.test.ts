import { describe, expect, it } from 'vitest';
import { type ModelSpec } from '../../../../src/protocol/architecture';
import { network, paramSpecs, type ParamSpec } from '../../../../src/protocol/network';
import { fanIn, initVertex } from '../../../../src/engine/model/init';
import { Rng } from '../../../../src/engine/util/rng';
import { expectSame } from '../fixtures';

const SPEC: ModelSpec = { architecture: 'vgg16', widthScale: 0.125, numClasses: 10 };

function stats(a: Float32Array): { mean: number; variance: number; maxAbs: number } {
  let s = 0;
  let s2 = 0;
  let m = 0;
  for (const v of a) {
    s += v;
    s2 += v * v;
    m = Math.max(m, Math.abs(v));
  }
  const mean = s / a.length;
  return { mean, variance: s2 / a.length - mean * mean, maxAbs: m };
}

describe('initVertex', () => {
  it('uses PyTorch fan-ins: in·3·3 for convs, in for linears, shared by the bias', () => {
    const net = network(SPEC);
    const byName = (n: string): ParamSpec =>
      net.params.find((p) => p.name === n) ?? (net.params[0] as ParamSpec);
    expect(fanIn(net, byName('c1.weight'))).toBe(27);
    expect(fanIn(net, byName('c1.bias'))).toBe(27);
    expect(fanIn(net, byName('c2.weight'))).toBe(72);
    expect(fanIn(net, byName('l1.bias'))).toBe(64);
    expect(fanIn(net, byName('l3.weight'))).toBe(64);
    const resnet = network({ architecture: 'preresnet8', widthScale: 1, numClasses: 10 });
    const shortcut = resnet.params.find((p) => p.name === 'layer2.0.downsample.0.weight') as ParamSpec;
    expect(fanIn(resnet, shortcut)).toBe(16);
  });

  it("'simplex': weight and bias U(±1/√fan_in), as the reference's simplex layers", () => {
    const net = network(SPEC);
    const vertex = initVertex(SPEC, new Rng(1));
    net.params.forEach((p, i) => {
      const bound = 1 / Math.sqrt(fanIn(net, p));
      const s = stats(vertex[i] as Float32Array);
      expect(s.maxAbs).toBeLessThanOrEqual(bound);
      if (p.size >= 4096) {
        expect(Math.abs(s.mean)).toBeLessThan(0.05 * bound);
        expect(Math.abs(s.variance / ((bound * bound) / 3) - 1)).toBeLessThan(0.1);
      }
    });
  });

  it("'base': conv N(0, 2/(9·out)) with zero bias, linears as PyTorch's default", () => {
    const specs = paramSpecs(SPEC);
    const vertex = initVertex(SPEC, new Rng(2), 'base');
    specs.forEach((p, i) => {
      const s = stats(vertex[i] as Float32Array);
      if (p.kind === 'conv' && p.role === 'bias') expect(s.maxAbs).toBe(0);
      if (p.kind === 'conv' && p.role === 'weight' && p.size >= 4096) {
        expect(Math.abs(s.variance / (2 / (9 * (p.torchShape[0] ?? NaN))) - 1)).toBeLessThan(0.1);
      }
      if (p.kind === 'linear') expect(s.maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(fanIn(network(SPEC), p)));
    });
  });

  it('batch norm: weight 1 and bias 0, but U(0, 1) weights in the reference VGG-BN simplex layers', () => {
    const check = (architecture: 'vgg11bn' | 'preresnet8', scheme: 'base' | 'simplex', uniform: boolean) => {
      const spec: ModelSpec = { architecture, widthScale: 0.5, numClasses: 10 };
      const vertex = initVertex(spec, new Rng(3), scheme);
      paramSpecs(spec).forEach((p, i) => {
        if (p.kind !== 'batchNorm') return;
        const s = stats(vertex[i] as Float32Array);
        if (p.role === 'bias') expect(s.maxAbs).toBe(0);
        else if (uniform) {
          expect(Math.min(...(vertex[i] as Float32Array))).toBeGreaterThanOrEqual(0);
          expect(s.maxAbs).toBeLessThan(1);
        } else expect([s.mean, s.variance]).toEqual([1, 0]);
      });
    };
    check('vgg11bn', 'base', false);
    check('vgg11bn', 'simplex', true);
    check('preresnet8', 'base', false);
    check('preresnet8', 'simplex', false);
  });

  it("PreResNet's convs, 3×3 and 1×1, are He normal N(0, 2/(k·k·out)) in both schemes", () => {
    const spec: ModelSpec = { architecture: 'preresnet56', widthScale: 1, numClasses: 10 };
    for (const scheme of ['base', 'simplex'] as const) {
      const vertex = initVertex(spec, new Rng(4), scheme);
      paramSpecs(spec).forEach((p, i) => {
        if (p.kind !== 'conv' || p.size < 4096) return;
        const [out = 1, , k = 1] = p.torchShape;
        const s = stats(vertex[i] as Float32Array);
        expect(Math.abs(s.variance / (2 / (k * k * out)) - 1), `${scheme} ${p.name}`).toBeLessThan(0.1);
      });
    }
  });

  it('is reproducible from the seed and differs across seeds', () => {
    const a = initVertex(SPEC, new Rng(9));
    const b = initVertex(SPEC, new Rng(9));
    const c = initVertex(SPEC, new Rng(10));
    a.forEach((p, i) => {
      expectSame(p, b[i]);
    });
    expect(a[4]?.[0]).not.toBe(c[4]?.[0]);
  });
});
