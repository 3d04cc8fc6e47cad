import { describe, expect, it } from 'vitest';
import { paramSpecs } from '../../../src/engine/model/architecture';
import { asTorchLayout, tfToTorch, torchToTf } from '../../../src/engine/formats/stateDict';

const specs = paramSpecs({ architecture: 'vgg11', widthScale: 0.125, numClasses: 10 });

describe('layout conversion', () => {
  it('maps conv [o,i,h,w] to [h,w,i,o], linear [o,i] to [i,o], bias unchanged, and back', () => {
    for (const spec of specs) {
      const torch = asTorchLayout(
        spec,
        Float32Array.from({ length: spec.size }, (_, i) => i),
      );
      const tf = torchToTf(spec, torch);
      const [out = 0, inC = 1, kh = 1, kw = 1] = spec.torchShape;
      for (let o = 0; o < out; o++) {
        for (let i = 0; i < inC; i++) {
          for (let h = 0; h < kh; h++) {
            for (let w = 0; w < kw; w++) {
              const torchIndex = ((o * inC + i) * kh + h) * kw + w;
              const tfIndex = ((h * kw + w) * inC + i) * out + o;
              expect(tf[tfIndex]).toBe(torch[torchIndex]);
            }
          }
        }
      }
      expect(tfToTorch(spec, tf)).toEqual(torch);
    }
  });

  it('rejects values of the wrong size', () => {
    const spec = specs[0];
    if (!spec) throw new Error('no specs');
    expect(() => asTorchLayout(spec, new Float32Array(spec.size + 1))).toThrow(/c1\.weight has 217 values/);
  });
});
