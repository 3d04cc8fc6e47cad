// The benchmark's training work per image against the design notes' VGG16 figures (313.7M
// forward multiply-adds, 1.88 GFLOP a training image), the width² scaling they state, and
// PreResNet's published counts.

import { describe, expect, it } from 'vitest';
import { ARCHITECTURE_CHOICES, VGG_DEPTHS, type Architecture } from '../../../../src/protocol/architecture';
import { stepWork } from '../../../../src/engine/bench/flops';

const at = (widthScale: 1 | 0.125, architecture: Architecture) =>
  stepWork({ architecture, widthScale, numClasses: 10 }).trainingFlops;

describe('training work from the layer shapes', () => {
  it('gives VGG16 313.7M forward multiply-adds and 1.88 GFLOP a training image at width 1', () => {
    const work = stepWork({ architecture: 'vgg16', widthScale: 1, numClasses: 10 });
    expect(work.forwardMacs / 1e6).toBeCloseTo(313.7, 1);
    expect(work.trainingFlops / 1e9).toBeCloseTo(1.88, 2);
    // Batch norm adds no multiply-adds the count includes.
    expect(stepWork({ architecture: 'vgg16bn', widthScale: 1, numClasses: 10 })).toEqual(work);
  });

  it("gives PreResNets the reference modules' multiply-adds", () => {
    // Counted by forward hooks on the reference's PreResNetBase in PyTorch 1.13 (convs and fc):
    // 20 is basic blocks, 110 and 164 bottlenecks (the reference's rule: 9n+2 from 44).
    const macs = (d: number) =>
      stepWork({ architecture: `preresnet${d}`, widthScale: 1, numClasses: 10 }).forwardMacs;
    expect(macs(20)).toBe(40_813_184);
    expect(macs(110)).toBe(167_430_656);
    expect(macs(164)).toBe(247_646_720);
  });

  it('scales with about width² and grows with depth', () => {
    // c1's input (3 channels) and l3's output (the classes) do not scale, so slightly above 1/64.
    const ratio = at(0.125, 'vgg16') / at(1, 'vgg16');
    expect(ratio).toBeGreaterThan(1 / 64);
    expect(ratio).toBeLessThan(1.03 / 64);
    const vggs = VGG_DEPTHS.map((d) => at(1, `vgg${d}`));
    expect(vggs).toEqual([...vggs].sort((a, b) => a - b));
    expect(at(1, 'vgg11')).toBeLessThan(at(1, 'vgg16') * 0.6);
    const basic = ARCHITECTURE_CHOICES.filter((a) => /^preresnet[1-3]\d$|^preresnet8$/.test(a)).map((a) =>
      at(1, a),
    );
    expect(basic.length).toBe(6);
    expect(basic).toEqual([...basic].sort((a, b) => a - b));
  });
});
