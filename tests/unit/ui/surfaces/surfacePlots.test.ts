import { describe, expect, it } from 'vitest';

import type { ComplexProjection, SurfaceGrid } from '../../../../src/protocol/commands/surfaces';
import {
  colourRange,
  complexLayout,
  complexTraces,
  thinFace,
} from '../../../../src/ui/sections/surfaces/surfacePlots';

type Axis = { title: { text: string }; range: [number, number]; showticklabels: boolean };

const complex: ComplexProjection = {
  coords: [
    [0, 0, 0],
    [10, 0, 0],
    [0, 1, 0.5],
    [9, -0.2, -2],
  ],
  explained: [0.8, 0.15, 0.05],
  complex: [
    [0, 1, 2],
    [1, 2, 3],
  ],
  roles: ['mode', 'mode', 'connector', 'vertex'],
};

describe('complex view', () => {
  it('names each role’s markers in the plural', () => {
    const names = complexTraces(complex, [[0, 1, 2]]).map((t) => t.name);
    expect(names).toEqual(['faces', 'edges', 'modes', 'connectors', 'vertices']);
  });

  it('fits every vertex inside each axis, with the same length on all three', () => {
    const scene = complexLayout(complex).scene as { xaxis: Axis; yaxis: Axis; zaxis: Axis };
    const axes = [scene.xaxis, scene.yaxis, scene.zaxis];
    axes.forEach((axis, i) => {
      for (const c of complex.coords) {
        const x = c[i as 0 | 1 | 2];
        expect(x).toBeGreaterThan(axis.range[0]);
        expect(x).toBeLessThan(axis.range[1]);
      }
      expect(axis.range[1] - axis.range[0]).toBeCloseTo(scene.xaxis.range[1] - scene.xaxis.range[0], 9);
    });
    expect(axes.map((a) => a.title.text)).toEqual(['PC1 (80%)', 'PC2 (15%)', 'PC3 (5%)']);
  });

  it('shows no third direction for a 3-vertex simplex', () => {
    const flat: ComplexProjection = {
      ...complex,
      coords: complex.coords.slice(0, 3),
      explained: [0.9, 0.1, 0],
    };
    const scene = complexLayout(flat).scene as { zaxis: Axis };
    expect(scene.zaxis.title.text).toBe('');
    expect(scene.zaxis.showticklabels).toBe(false);
  });
});

describe('a thin face', () => {
  // Plane coordinates of a, b, c and their Gram matrix [|b−a|², (b−a)·(c−a), |c−a|²].
  function grid(coords: [number, number][], values: (u: number, v: number) => number): SurfaceGrid {
    const [a, b, c] = coords as [[number, number], [number, number], [number, number]];
    const d1 = [b[0] - a[0], b[1] - a[1]];
    const d2 = [c[0] - a[0], c[1] - a[1]];
    const dot = (x: number[], y: number[]) => (x[0] ?? 0) * (y[0] ?? 0) + (x[1] ?? 0) * (y[1] ?? 0);
    const axis = Array.from({ length: 21 }, (_, i) => -5 + (20 * i) / 20);
    const loss = axis.flatMap((v) => axis.map((u) => values(u, v)));
    return {
      face: [0, 1, 2],
      plane: {
        origin: 0,
        e1: [0, 0, 0],
        e2: [0, 0, 0],
        vertexCoords: coords,
        gram: [dot(d1, d1), dot(d1, d2), dot(d2, d2)],
      },
      u: axis,
      v: axis,
      loss,
      error: loss,
    } as unknown as SurfaceGrid;
  }
  const options = { metric: 'loss', scale: 'linear', clipQuantile: 1 } as const;
  // Far from the triangle the mixed weights blow up: the loss grows like the 8th power of the distance.
  const blowUp = (u: number, v: number) => 1 + (u * u + v * v) ** 4;

  it('names the two vertices that nearly coincide and fits the colour scale near the triangle', () => {
    const coincide = grid(
      [
        [0, 0],
        [10, 0],
        [10.1, 0.05],
      ],
      blowUp,
    );
    expect(thinFace(coincide)).toMatch(
      /^Vertices v1 and v2 nearly coincide: they lie 1\.1% of the longest edge apart/,
    );
    const range = colourRange([coincide], options);
    // Within a quarter of the longest edge (2.5) of the triangle, which spans u 0…10.1, v 0…0.05.
    expect(range.max).toBeLessThan(blowUp(12.6, 2.55));
    expect(range.max).toBeGreaterThan(blowUp(10, 2));
  });

  it('says when all three lie nearly on one line', () => {
    const sliver = grid(
      [
        [0, 0],
        [10, 0],
        [5, 0.1],
      ],
      blowUp,
    );
    expect(thinFace(sliver)).toMatch(
      /^The vertices v0, v1, v2 lie nearly on one line: the triangle has 1\.2% of the area/,
    );
  });

  it('leaves a fair face and its colour scale alone', () => {
    const fair = grid(
      [
        [0, 0],
        [4, 0],
        [1, 3],
      ],
      blowUp,
    );
    expect(thinFace(fair)).toBeNull();
    expect(colourRange([fair], options).max).toBe(Math.max(...fair.loss));
  });
});
