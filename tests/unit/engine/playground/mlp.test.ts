// The Playground's MLP against PyTorch (tests/fixtures/playground/make_playground_fixture.py: the
// notebook's BasicNet rebuilt as basic_mlps.py defines it): forward, mean BCE-with-logits and its
// gradient for ReLU and tanh, three torch.optim.Adam steps (lr 0.01, weight decay 1e-4) through the
// studio's base stage, and the export's names and shapes as a SimplexNet of BasicSimplex has them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../../src/engine/formats/safetensors';
import { MlpWorkspace, parameterCount } from '../../../../src/engine/playground/mlp';
import { PlaygroundSession } from '../../../../src/engine/playground/session';
import { SimplexMlp } from '../../../../src/engine/playground/simplexMlp';
import { NOTEBOOK, type PlaygroundActivation } from '../../../../src/protocol/playground';

interface Case {
  theta: number[];
  logits: number[];
  loss: number;
  grad: number[];
  adam3: number[];
}
const fixture = JSON.parse(
  readFileSync(path.resolve('tests/fixtures/playground/playground.json'), 'utf8'),
) as {
  x: number[];
  labels: number[];
  hidden: number;
  depth: number;
  cases: Record<PlaygroundActivation, Case>;
  simplexNames: [string, number[]][];
};
const x = Float64Array.from(fixture.x);
const labels = Float64Array.from(fixture.labels);
const points = { x, labels, count: labels.length };

function maxRelError(actual: ArrayLike<number>, expected: readonly number[]): number {
  const scale = Math.max(...expected.map(Math.abs));
  let worst = 0;
  expected.forEach((e, i) => (worst = Math.max(worst, Math.abs((actual[i] ?? NaN) - e) / scale)));
  return worst;
}

describe('the playground MLP against PyTorch', () => {
  for (const activation of ['relu', 'tanh'] as const) {
    it(`matches the logits, the loss and its gradient (${activation})`, () => {
      const c = fixture.cases[activation];
      const shape = { depth: fixture.depth, hidden: fixture.hidden, activation };
      expect(parameterCount(shape)).toBe(c.theta.length);
      const ws = new MlpWorkspace(shape, points.count);
      const theta = Float64Array.from(c.theta);
      expect(maxRelError(ws.forward(theta, x), c.logits)).toBeLessThan(1e-12);
      const grad = new Float64Array(theta.length);
      const loss = ws.lossAndGradient(theta, x, labels, grad, 1);
      expect(loss).toBeCloseTo(c.loss, 12);
      expect(maxRelError(grad, c.grad)).toBeLessThan(1e-10);
    });

    it(`takes torch.optim.Adam's three steps in the base stage (${activation})`, () => {
      const c = fixture.cases[activation];
      const config = { ...NOTEBOOK, activation, vertices: 1, baseIterations: 3 };
      const simplex = new SimplexMlp(config, points);
      (simplex.vertices[0] as Float64Array).set(c.theta);
      for (let i = 0; i < 3; i++) expect(simplex.step()).not.toBeNull();
      expect(simplex.done).toBe(true);
      expect(simplex.step()).toBeNull();
      expect(maxRelError(simplex.vertices[0] as Float64Array, c.adam3)).toBeLessThan(1e-9);
    });
  }
});

describe('the playground simplex', () => {
  it('adds each vertex at the centroid and trains only the newest', () => {
    const config = { ...NOTEBOOK, vertices: 3, baseIterations: 2, vertexIterations: 2, nSample: 2 };
    const simplex = new SimplexMlp(config, points);
    simplex.step();
    simplex.step();
    const base = Float64Array.from(simplex.vertices[0] as Float64Array);
    // The second vertex starts at the centroid of one vertex, the base itself: no volume yet.
    const first = simplex.step();
    expect(simplex.vertices).toHaveLength(2);
    expect(first?.volume).toBe(0);
    expect(simplex.step()?.volume).toBeGreaterThan(0);
    expect(simplex.vertices[0]).toEqual(base);
    simplex.step();
    // The third vertex started at the centroid of the first two; the first two did not move.
    expect(simplex.vertices).toHaveLength(3);
    expect(simplex.vertices[0]).toEqual(base);
    expect(simplex.iteration).toBe(5);
    expect(simplex.totalIterations).toBe(6);
  });

  it('exports the names and shapes of the reference’s SimplexNet of BasicSimplex', () => {
    const session = new PlaygroundSession({
      ...NOTEBOOK,
      vertices: 3,
      baseIterations: 1,
      vertexIterations: 1,
    });
    while (session.iterate());
    const bytes = session.exportFile();
    const file = readSafetensors(bytes);
    const names = [...file.tensors.entries()].map(([name, t]) => [name, [...t.shape]]);
    const sorted = (l: unknown[][]) => [...l].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
    expect(sorted(names)).toEqual(sorted(fixture.simplexNames));
    expect(Array.from(file.tensors.get('net.fc1.weight_2')?.data ?? []).slice(0, 4)).toEqual(
      Array.from(Float32Array.from((session.simplex.vertices[2] as Float64Array).subarray(0, 4))),
    );
  });
});
