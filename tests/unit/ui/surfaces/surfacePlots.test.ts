import { describe, expect, it } from 'vitest';

import type { ComplexProjection } from '../../../../src/protocol/commands/surfaces';
import { complexLayout, complexTraces } from '../../../../src/ui/sections/surfaces/surfacePlots';

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
