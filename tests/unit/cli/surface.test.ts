// `surface` on the reference's three-vertex SimplexNet file: the Surfaces section's CSV and JSON,
// whose every value is the loss `eval` gives at that point's coefficients, edge profiles that
// start and end at the vertices' own losses, and the refusals.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, cliJson, ref } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-surface-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const weights = ref('vertices.safetensors');
const data = ref('inputs.bin');

describe('cli surface', () => {
  it('writes the grid as CSV and JSON, each point the loss eval finds there, and the edge profiles', async () => {
    const out = path.join(dir, 'face');
    const r = await cliJson(
      'surface',
      ...['--weights', weights, '--data', data, '--grid', '5', '--images', '8', '--margin', '0.1'],
      ...['--edges', '--points', '3', '--out', out],
    );
    expect(r.files).toEqual([`${out}.csv`, `${out}.json`, `${out}_edges.json`]);
    expect(r.imagesUsed).toBe(8);
    const rows = readFileSync(`${out}.csv`, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('i,j,u,v,beta_v0,beta_v1,beta_v2,inside,loss,error');
    expect(rows).toHaveLength(1 + 25);
    const json = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as { loss: number[][]; face: number[] };
    expect(json.face).toEqual([0, 1, 2]);
    // Three points, one inside the triangle, one outside, one at a corner of the grid.
    for (const k of [12, 3, 24]) {
      const cells = (rows[1 + k] as string).split(',').map(Number);
      const [i, j, , , b0, b1, b2, , loss] = cells;
      expect(json.loss[j as number]?.[i as number]).toBe(loss);
      const at = await cliJson('eval', '--weights', weights, '--data', data, '--coeffs', `${b0},${b1},${b2}`);
      expect(Math.abs((at.loss as number) - (loss as number)), `point ${k}`).toBeLessThanOrEqual(
        1e-5 * (loss as number),
      );
    }
    const edges = JSON.parse(readFileSync(`${out}_edges.json`, 'utf8')) as {
      profiles: { edge: number[]; t: number[]; loss: number[] }[];
    };
    expect(edges.profiles.map((p) => p.edge)).toEqual([
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    for (const p of edges.profiles) {
      for (const [end, vertex] of [
        [0, p.edge[0]],
        [1, p.edge[1]],
      ] as const) {
        const at = await cliJson('eval', '--weights', weights, '--data', data, '--vertex', String(vertex));
        const loss = p.loss[p.t.indexOf(end)] as number;
        expect(Math.abs(loss - (at.loss as number))).toBeLessThanOrEqual(1e-5 * loss);
      }
    }
  }, 120_000);

  it('refuses a face the file does not have, a grid out of range, and an existing output', async () => {
    const out = path.join(dir, 'again');
    const cases: [string[], number, RegExp][] = [
      [['--face', '0,1,3'], 2, /--face must be three different vertices of 0…2/],
      [['--face', '0,0,1'], 2, /--face must be three different vertices/],
      [['--grid', '99'], 2, /grid size must be a whole number from 3 to 61/],
      [['--metric', 'nll'], 2, /--metric must be loss or error/],
    ];
    for (const [flags, code, message] of cases) {
      const r = await cli('surface', '--weights', weights, '--data', data, '--out', out, ...flags);
      expect(r.code, r.err).toBe(code);
      expect(r.err).toMatch(message);
    }
    const one = await cli('surface', '--weights', ref('vertex0.safetensors'), '--data', data);
    expect(one.code).toBe(2);
    expect(one.err).toMatch(/the file has 1 vertex: a face needs three/);
    expect(
      (
        await cli(
          'surface',
          '--weights',
          weights,
          '--data',
          data,
          '--grid',
          '3',
          '--images',
          '2',
          '--out',
          out,
        )
      ).code,
    ).toBe(0);
    const twice = await cli('surface', '--weights', weights, '--data', data, '--grid', '3', '--out', out);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/already exists.*--force/);
  }, 120_000);
});
