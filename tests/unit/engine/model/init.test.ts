import { describe, expect, it } from 'vitest';
import { paramSpecs, type ModelSpec, type ParamSpec } from '../../../../src/protocol/architecture';
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
    const specs = paramSpecs(SPEC);
    const byName = (n: string): ParamSpec => specs.find((p) => p.name === n) ?? (specs[0] as ParamSpec);
    expect(fanIn(specs, byName('c1.weight'))).toBe(27);
    expect(fanIn(specs, byName('c1.bias'))).toBe(27);
    expect(fanIn(specs, byName('c2.weight'))).toBe(72);
    expect(fanIn(specs, byName('l1.bias'))).toBe(64);
    expect(fanIn(specs, byName('l3.weight'))).toBe(64);
  });

  it("'simplex': weight and bias U(±1/√fan_in), as the reference's simplex layers", () => {
    const specs = paramSpecs(SPEC);
    const vertex = initVertex(SPEC, new Rng(1));
    specs.forEach((p, i) => {
      const bound = 1 / Math.sqrt(fanIn(specs, p));
      const s = stats(vertex[i] as Float32Array);
      expect(s.maxAbs).toBeLessThanOrEqual(bound);
      if (p.size >= 4096) {
        expect(Math.abs(s.mean)).toBeLessThan(0.05 * bound);
        expect(Math.abs(s.variance / ((bound * bound) / 3) - 1)).toBeLessThan(0.1);
      }
    });
  });

  it("'vgg16': conv N(0, 2/(9·out)) with zero bias, linears as PyTorch's default", () => {
    const specs = paramSpecs(SPEC);
    const vertex = initVertex(SPEC, new Rng(2), 'vgg16');
    specs.forEach((p, i) => {
      const s = stats(vertex[i] as Float32Array);
      if (p.kind === 'conv' && p.role === 'bias') expect(s.maxAbs).toBe(0);
      if (p.kind === 'conv' && p.role === 'weight' && p.size >= 4096) {
        expect(Math.abs(s.variance / (2 / (9 * (p.torchShape[0] ?? NaN))) - 1)).toBeLessThan(0.1);
      }
      if (p.kind === 'linear') expect(s.maxAbs).toBeLessThanOrEqual(1 / Math.sqrt(fanIn(specs, p)));
    });
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
