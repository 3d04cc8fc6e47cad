import { describe, expect, it } from 'vitest';
import {
  complexLabel,
  shapeLine,
  sourceLabel,
  vertexLabel,
  widthLabel,
} from '../../../src/ui/sections/models/describe';

describe('model descriptions', () => {
  it('speaks of widths as fractions', () => {
    expect([1, 0.5, 0.25, 0.125].map((s) => widthLabel(s as 1 | 0.5 | 0.25 | 0.125))).toEqual([
      '1',
      '1/2',
      '1/4',
      '1/8',
    ]);
  });
  it('gives the line a picker shows', () => {
    const spec = { architecture: 'vgg16', widthScale: 0.125, numClasses: 10 } as const;
    expect(shapeLine({ spec, vertexCount: 1 })).toBe('vgg16 · width 1/8 · 10 classes · 1 vertex');
    expect(vertexLabel(3)).toBe('3 vertices');
  });
  it('says where a model came from', () => {
    expect(sourceLabel({ kind: 'run', runId: 'r', runName: 'base 1' })).toBe('trained in run base 1');
    expect(sourceLabel({ kind: 'file', fileName: 'a.safetensors', run: null })).toBe(
      'imported from a.safetensors',
    );
    expect(sourceLabel({ kind: 'file', fileName: 'a.safetensors', run: 'x' })).toBe(
      'imported from a.safetensors (run x)',
    );
  });
  it('writes a complex as its simplexes', () => {
    expect(
      complexLabel([
        [0, 3, 4],
        [1, 3, 4],
      ]),
    ).toBe('{0,3,4} {1,3,4}');
  });
});
