// The benchmark's training work per image against the design notes' VGG16 figures (313.7M
// forward multiply-adds, 1.88 GFLOP a training image) and the width² scaling they state.

import { describe, expect, it } from 'vitest';
import { ARCHITECTURES } from '../../../../src/protocol/architecture';
import { stepWork } from '../../../../src/engine/bench/flops';

describe('training work from the layer shapes', () => {
  it('gives VGG16 313.7M forward multiply-adds and 1.88 GFLOP a training image at width 1', () => {
    const work = stepWork({ architecture: 'vgg16', widthScale: 1, numClasses: 10 });
    expect(work.forwardMacs / 1e6).toBeCloseTo(313.7, 1);
    expect(work.trainingFlops / 1e9).toBeCloseTo(1.88, 2);
  });

  it('scales with about width² and grows with depth', () => {
    const at = (widthScale: 1 | 0.125, architecture: (typeof ARCHITECTURES)[number]) =>
      stepWork({ architecture, widthScale, numClasses: 10 }).trainingFlops;
    // c1's input (3 channels) and l3's output (the classes) do not scale, so slightly above 1/64.
    const ratio = at(0.125, 'vgg16') / at(1, 'vgg16');
    expect(ratio).toBeGreaterThan(1 / 64);
    expect(ratio).toBeLessThan(1.03 / 64);
    const depths = ARCHITECTURES.map((a) => at(1, a));
    expect(depths).toEqual([...depths].sort((a, b) => a - b));
    expect(at(1, 'vgg11')).toBeLessThan(at(1, 'vgg16') * 0.6);
  });
});
