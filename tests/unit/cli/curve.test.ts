// The curve procedure on the command line: train --procedure curve between two modes writes a
// curve file that says so, eval --t evaluates its points (its ends are the modes themselves),
// interpolate --curve profiles it beside the straight line between its ends (which is the
// interpolation of the two modes), and a file that is not a curve is refused where a curve is needed.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, cliJson, ref } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-curve-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const DATA = ref('inputs.bin');
const A = ref('vertex0.safetensors');
const B = ref('vertex2.safetensors');
const tiny = ['--data', 'synthetic', '--batch-size', '8', '--train-limit', '32', '--test-limit', '8'];

describe('cli curves', () => {
  let curveFile = '';

  it('trains a PolyChain between two modes, its ends fixed, and writes a curve file', async () => {
    const out = path.join(dir, 'run');
    const r = await cli(
      'train',
      ...['--procedure', 'curve', '--from', A, '--from', B, '--curve', 'polychain', '--num-bends', '4'],
      ...['--curve-epochs', '2', '--out', out, '--architecture', 'vgg16', '--width', '0.125', ...tiny],
    );
    expect(r.code, r.err).toBe(0);
    const name = readdirSync(out).find((f) => f.endsWith('_polychain-4p.safetensors'));
    expect(name).toBeDefined();
    curveFile = path.join(out, name as string);
    const info = await cliJson('info', curveFile);
    expect(info).toMatchObject({
      layout: 'simplex',
      vertexCount: 4,
      frozen: [0, 3],
      curve: { type: 'polychain', numBends: 4 },
    });
    // The ends are the modes, untouched: the curve's t = 0 and 1 are the modes' own losses.
    for (const [t, mode] of [
      ['0', A],
      ['1', B],
    ] as const) {
      const at = await cliJson('eval', '--weights', curveFile, '--data', DATA, '--t', t);
      const own = await cliJson('eval', '--weights', mode, '--data', DATA);
      expect(at.loss).toBeCloseTo(own.loss as number, 5);
      expect(at.point).toMatchObject({ kind: 'curve', t: Number(t) });
    }
  }, 300_000);

  it('profiles the curve beside the straight line between its ends, which is the two modes’ interpolation', async () => {
    const out = path.join(dir, 'profile');
    const r = await cliJson(
      'interpolate',
      ...['--curve', curveFile, '--data', DATA, '--split', 'test', '--points', '5', '--out', out],
    );
    expect(r.kind).toBe('curve');
    const json = JSON.parse(readFileSync(`${out}.json`, 'utf8')) as {
      x: number[];
      values: { loss: number[] }[];
      line: { loss: number[] }[];
      barriers: { loss: number }[];
      lineBarriers: { loss: number }[];
    };
    expect(json.x).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const curve = json.values[0]?.loss ?? [];
    const line = json.line[0]?.loss ?? [];
    expect(curve[0]).toBeCloseTo(line[0] as number, 5);
    expect(curve[4]).toBeCloseTo(line[4] as number, 5);
    await cliJson(
      'interpolate',
      ...['--a', A, '--b', B, '--data', DATA, '--split', 'test', '--points', '5', '--range', '0,1'],
      ...['--out', path.join(dir, 'line')],
    );
    const direct = JSON.parse(readFileSync(path.join(dir, 'line.json'), 'utf8')) as {
      values: { loss: number[] }[];
    };
    line.forEach((v, i) => {
      expect(v).toBeCloseTo(direct.values[0]?.loss[i] as number, 5);
    });
    expect(json.barriers).toHaveLength(1);
    expect(json.lineBarriers).toHaveLength(1);
  }, 120_000);

  it('refuses a file that is not a curve, a third mode, and an end of another network', async () => {
    const notCurve = await cli(
      'eval',
      '--weights',
      ref('vertices.safetensors'),
      '--data',
      DATA,
      '--t',
      '0.5',
    );
    expect(notCurve.code).toBe(2);
    expect(notCurve.err).toMatch(/--t evaluates a curve, and the file's metadata names none/);
    const profile = await cli(
      'interpolate',
      '--curve',
      ref('vertices.safetensors'),
      '--data',
      DATA,
      '--split',
      'test',
    );
    expect(profile.err).toMatch(/vertices.safetensors is not a curve/);
    const three = await cli(
      'train',
      ...['--procedure', 'curve', '--from', A, '--from', B, '--from', A, '--out', path.join(dir, 'three')],
      ...['--architecture', 'vgg16', '--width', '0.125', ...tiny],
    );
    expect(three.code).toBe(2);
    expect(three.err).toMatch(/A curve joins two modes/);
    const other = await cli(
      'train',
      ...['--procedure', 'curve', '--from', A, '--from', B, '--out', path.join(dir, 'other')],
      ...['--architecture', 'vgg11', '--width', '0.125', ...tiny],
    );
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/SHAPE_MISMATCH/);
  }, 120_000);
});
