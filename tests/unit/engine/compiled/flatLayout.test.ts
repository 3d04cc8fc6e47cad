// The compiled step's flat layout and uniform layout: every parameter view 256-byte aligned and
// disjoint, vertices round-trip through the rows, and a step's numbers land at the offsets the
// row kernels read (stepUniforms.ts), with shapes that do not fit refused.

import { describe, expect, it } from 'vitest';
import { paramSpecs } from '../../../../src/protocol/network';
import type { TfLayout } from '../../../../src/engine/formats/layout';
import { ALIGN_FLOATS, flatLayout, packRows, unpackRow } from '../../../../src/engine/compiled/flatLayout';
import { uniformLayout, writeStepUniforms } from '../../../../src/engine/compiled/stepUniforms';

describe('flatLayout', () => {
  it('places every VGG16 parameter at an aligned offset, disjoint and in order', () => {
    const params = paramSpecs({ architecture: 'vgg16', widthScale: 0.125, numClasses: 100 });
    const layout = flatLayout(params);
    expect(layout.views.map((v) => v.name)).toEqual(params.map((p) => p.name));
    let end = 0;
    for (const [i, view] of layout.views.entries()) {
      expect(view.offset % ALIGN_FLOATS).toBe(0);
      expect(view.offset).toBeGreaterThanOrEqual(end);
      expect(view.size).toBe(params[i]?.size);
      end = view.offset + view.size;
    }
    expect(layout.rowFloats % ALIGN_FLOATS).toBe(0);
    expect(layout.rowFloats).toBeGreaterThanOrEqual(end);
    expect(layout.rowFloats - end).toBeLessThan(ALIGN_FLOATS);
  });

  it('round-trips vertices through rows with zero padding, and refuses a wrong size', () => {
    const layout = flatLayout([
      { name: 'a', tfShape: [3, 5] },
      { name: 'b', tfShape: [65] },
    ]);
    const vertex = (base: number) => [
      Float32Array.from({ length: 15 }, (_, i) => base + i) as TfLayout,
      Float32Array.from({ length: 65 }, (_, i) => -base - i) as TfLayout,
    ];
    const rows = packRows(layout, [vertex(1), vertex(100)]);
    expect(rows.length).toBe(2 * layout.rowFloats);
    expect(unpackRow(layout, rows, 1).map((p) => Array.from(p))).toEqual(
      vertex(100).map((p) => Array.from(p)),
    );
    const used = 15 + 65;
    // Every value is nonzero, so anything else nonzero would be a write into the padding.
    expect(rows.filter((x) => x !== 0)).toHaveLength(2 * used);
    expect(() => packRows(layout, [[vertex(1)[0] as TfLayout, new Float32Array(64) as TfLayout]])).toThrow(
      /"b" has 64 values; the model needs 65/,
    );
  });
});

describe('uniformLayout', () => {
  it('writes each number at its word, seeds as u32', () => {
    const shape = { rows: 2, draws: 2, pull: true };
    const layout = uniformLayout(shape);
    expect(layout.words % 4).toBe(0);
    const out = new ArrayBuffer(layout.words * 4);
    writeStepUniforms(
      shape,
      layout,
      {
        lr: 0.5,
        momentum: 0.9,
        weightDecay: 0.25,
        coefficients: [
          [0.25, 0.75],
          [1, 0],
        ],
        rows: {
          weights: [
            [1, 2],
            [3, 4],
          ],
          pull: [
            [5, 6],
            [7, 8],
          ],
          trainable: [false, true],
        },
        seeds: [
          [0xffffffff, 1],
          [2, 3],
        ],
        lossScale: [0.125, 0.0625],
      },
      out,
    );
    const f = new Float32Array(out);
    const u = new Uint32Array(out);
    expect([f[layout.lr], f[layout.momentum], f[layout.weightDecay]]).toEqual([0.5, Math.fround(0.9), 0.25]);
    expect(Array.from(f.subarray(layout.coefficients, layout.coefficients + 4))).toEqual([0.25, 0.75, 1, 0]);
    expect(Array.from(f.subarray(layout.rowWeights, layout.rowWeights + 4))).toEqual([1, 2, 3, 4]);
    expect(Array.from(f.subarray(layout.pull, layout.pull + 4))).toEqual([5, 6, 7, 8]);
    expect(Array.from(f.subarray(layout.trainable, layout.trainable + 2))).toEqual([0, 1]);
    expect(Array.from(u.subarray(layout.seeds, layout.seeds + 4))).toEqual([0xffffffff, 1, 2, 3]);
    expect(Array.from(f.subarray(layout.lossScale, layout.lossScale + 2))).toEqual([0.125, 0.0625]);
  });

  it('refuses numbers that do not fit the stage', () => {
    const shape = { rows: 2, draws: 1, pull: false };
    const layout = uniformLayout(shape);
    const step = {
      lr: 0.1,
      momentum: 0,
      weightDecay: 0,
      coefficients: [[0.5, 0.5]],
      rows: {
        weights: [[1, 1]],
        pull: [
          [1, 0],
          [0, 1],
        ],
        trainable: [true, true],
      },
      seeds: [[1, 2]] as [number, number][],
      lossScale: [1],
    };
    expect(() => {
      writeStepUniforms(shape, layout, step, new ArrayBuffer(layout.words * 4));
    }).toThrow(/do not fit/);
    expect(() => uniformLayout({ rows: 0, draws: 1, pull: false })).toThrow(/≥ 1 vertex/);
  });
});
