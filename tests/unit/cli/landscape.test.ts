// The landscape commands on the reference fixtures: an interpolation whose every value is the
// loss `eval --coeffs` gives at the same point of the two models' SimplexNet, a random plane that
// passes through the model and is drawn again from its seed, the same plane computed in parts and
// merged, a training path's plane from `train --keep-path`, batch norm recomputed along a
// PreResNet interpolation, and the .h5 files read back by h5py (Debian's python3-h5py).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR_LAYOUT, cli, cliJson, ref } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-landscape-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const DATA = ref('inputs.bin');
const TARBALL = path.join(CIFAR_LAYOUT, 'cifar-10-binary.tar.gz');
const PT = path.resolve(process.cwd(), 'tests/fixtures/pytorch-pt');

interface LandscapeJson {
  kind: string;
  x: number[];
  y: number[];
  values: { split: string; loss: (number | null)[] | (number | null)[][]; error: unknown }[];
  barriers: { split: string; loss: number; error: number }[];
  path: { epochs: number[]; x: number[]; y: number[]; explained: [number, number] } | null;
  part: { index: number; count: number; start: number; end: number } | null;
  settings: { direction: { seed: number; norm: string; ignoreBiasBn: boolean } };
}
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as LandscapeJson;

/** What h5py reads from an .h5 file: each dataset's shape and values, flattened. */
function h5(file: string): Record<string, { shape: number[]; values: number[] }> {
  const script = [
    'import h5py, json, sys',
    'f = h5py.File(sys.argv[1], "r")',
    'print(json.dumps({k: {"shape": list(f[k].shape), "values": f[k][()].ravel().tolist()} for k in f.keys()}))',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8' })) as Record<
    string,
    { shape: number[]; values: number[] }
  >;
}

describe('cli interpolate', () => {
  it('gives at each t the loss eval gives at (1 − t, t) of the two models, the barrier, and an .h5 of it', async () => {
    const out = path.join(dir, 'line');
    const simplex = path.join(dir, 'pair.safetensors');
    await cliJson('convert', ref('vertex0.safetensors'), ref('vertex1.safetensors'), simplex);
    const r = await cliJson(
      'interpolate',
      ...['--a', ref('vertex0.safetensors'), '--b', ref('vertex1.safetensors'), '--data', DATA],
      ...['--split', 'test', '--images', '16', '--points', '7', '--out', out],
    );
    expect(r.files).toEqual([`${out}.csv`, `${out}.json`, `${out}.h5`]);
    const json = readJson(`${out}.json`);
    // 7 points from -0.25 to 1.25 miss 0 and 1: both are added.
    expect(json.x).toEqual([-0.25, 0, 0.25, 0.5, 0.75, 1, 1.25]);
    const loss = json.values[0]?.loss as number[];
    for (const i of [0, 1, 3, 6]) {
      const t = json.x[i] as number;
      const at = await cliJson(
        'eval',
        '--weights',
        simplex,
        '--data',
        DATA,
        '--coeffs',
        `${1 - t},${t}`,
        '--limit',
        '16',
      );
      expect(Math.abs((at.loss as number) - (loss[i] as number)), `t = ${t}`).toBeLessThanOrEqual(
        1e-5 * (loss[i] as number),
      );
    }
    // The barrier, recomputed from the values.
    const line = (i: number) =>
      (1 - (json.x[i] as number)) * (loss[1] as number) + (json.x[i] as number) * (loss[5] as number);
    const excess = Math.max(...[1, 2, 3, 4, 5].map((i) => (loss[i] as number) - line(i)));
    expect(json.barriers).toHaveLength(1);
    expect(json.barriers[0]?.loss).toBeCloseTo(excess, 10);
    expect(r.barriers).toEqual(json.barriers);
    const file = h5(`${out}.h5`);
    expect(Object.keys(file).sort()).toEqual(['test_acc', 'test_loss', 'xcoordinates']);
    expect(file.xcoordinates?.values).toEqual(json.x);
    expect(file.test_loss?.shape).toEqual([7]);
    file.test_loss?.values.forEach((v, i) => {
      expect(v).toBeCloseTo(loss[i] as number, 5);
    });
    const error = json.values[0]?.error as number[];
    file.test_acc?.values.forEach((v, i) => {
      expect(v).toBeCloseTo(100 * (1 - (error[i] as number)), 5);
    });
  }, 120_000);

  it('recomputes batch norm along a PreResNet interpolation, and refuses the stored statistics there', async () => {
    const complex = path.join(PT, '2mode_1connector_0.1.pt');
    const flags = ['--a', complex, '--a-vertex', '0', '--b', complex, '--b-vertex', '1', '--data', TARBALL];
    const r = await cliJson(
      'interpolate',
      ...flags,
      ...['--split', 'test', '--images', '16', '--points', '3', '--range', '0,1', '--bn-batches', '1'],
      ...['--out', path.join(dir, 'bn')],
    );
    expect(r.batchNorm).toEqual({ statistics: 'recomputed', batches: 1 });
    const stored = await cli(
      'interpolate',
      ...flags,
      '--split',
      'test',
      '--bn',
      'stored',
      '--out',
      path.join(dir, 'bn2'),
    );
    expect(stored.code).toBe(2);
    expect(stored.err).toMatch(/statistics are recomputed at each point/);
    const ambiguous = await cli('interpolate', '--a', complex, '--b', complex, '--data', TARBALL);
    expect(ambiguous.err).toMatch(/holds 3 vertices: say which with --a-vertex/);
  }, 120_000);
});

describe('cli plane', () => {
  const flags = ['--weights', ref('vertex0.safetensors'), '--data', DATA, '--split', 'test', '--images', '8'];

  it('passes through the model, draws the same plane from the same seed, and writes loss-landscape’s .h5', async () => {
    const out = path.join(dir, 'plane');
    const r = await cliJson('plane', ...flags, '--points', '5', '--seed', '3', '--out', out);
    expect(r.direction).toEqual({ seed: 3, norm: 'filter', ignoreBiasBn: true });
    const json = readJson(`${out}.json`);
    expect(json.x).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(json.y).toEqual(json.x);
    const rows = json.values[0]?.loss as number[][];
    const origin = await cliJson(
      'eval',
      '--weights',
      ref('vertex0.safetensors'),
      '--data',
      DATA,
      '--limit',
      '8',
    );
    expect(Math.abs((rows[2]?.[2] as number) - (origin.loss as number))).toBeLessThanOrEqual(
      1e-5 * (origin.loss as number),
    );
    const again = await cliJson(
      'plane',
      ...flags,
      '--points',
      '5',
      '--seed',
      '3',
      '--out',
      path.join(dir, 'again'),
    );
    expect(readJson(path.join(dir, 'again.json')).values).toEqual(json.values);
    expect(again.loss).toEqual(r.loss);
    await cliJson('plane', ...flags, '--points', '5', '--seed', '4', '--out', path.join(dir, 'other'));
    expect(readJson(path.join(dir, 'other.json')).values).not.toEqual(json.values);

    const file = h5(`${out}.h5`);
    expect(Object.keys(file).sort()).toEqual(['test_acc', 'test_loss', 'xcoordinates', 'ycoordinates']);
    expect(file.test_loss?.shape).toEqual([5, 5]);
    // [j][i] is the point (x[i], y[j]), as the JSON rows.
    file.test_loss?.values.forEach((v, k) => {
      expect(v).toBeCloseTo(rows[Math.floor(k / 5)]?.[k % 5] as number, 5);
    });
  }, 120_000);

  it('computes a plane in parts that merge into the whole, and names a missing or doubled part', async () => {
    const whole = path.join(dir, 'whole');
    await cliJson('plane', ...flags, '--points', '4', '--out', whole);
    const parts = [1, 2, 3].map((i) => path.join(dir, `part${i}`));
    for (const [i, p] of parts.entries()) {
      const r = await cliJson('plane', ...flags, '--points', '4', '--part', `${i + 1}/3`, '--out', p);
      expect(r.files).toEqual([`${p}.json`]);
    }
    // numpy's array_split of 16 points into 3: 6, 5, 5.
    expect(parts.map((p) => readJson(`${p}.json`).part)).toEqual([
      { index: 1, count: 3, start: 0, end: 6 },
      { index: 2, count: 3, start: 6, end: 11 },
      { index: 3, count: 3, start: 11, end: 16 },
    ]);
    const merged = path.join(dir, 'merged');
    await cliJson('merge', ...parts.map((p) => `${p}.json`), '--out', merged);
    expect(readJson(`${merged}.json`).values).toEqual(readJson(`${whole}.json`).values);
    expect(readFileSync(`${merged}.csv`, 'utf8')).toBe(readFileSync(`${whole}.csv`, 'utf8'));

    const missing = await cli('merge', `${parts[0]}.json`, `${parts[2]}.json`, '--out', path.join(dir, 'm1'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/part 2 of 3 is missing/);
    const doubled = await cli(
      'merge',
      ...[0, 1, 1, 2].map((i) => `${parts[i]}.json`),
      '--out',
      path.join(dir, 'm2'),
    );
    expect(doubled.err).toMatch(/part 2 of 3 appears 2 times/);
    await cliJson(
      'plane',
      ...flags,
      '--points',
      '4',
      '--seed',
      '9',
      '--part',
      '2/3',
      '--out',
      path.join(dir, 'foreign'),
    );
    const foreign = await cli(
      'merge',
      `${parts[0]}.json`,
      path.join(dir, 'foreign.json'),
      `${parts[2]}.json`,
      '--out',
      path.join(dir, 'm3'),
    );
    expect(foreign.err).toMatch(/foreign.json is a part of another grid/);
    expect(readdirSync(dir).filter((f) => /^m\d\./.test(f))).toEqual([]);
  }, 180_000);

  it('draws a training path kept by train --keep-path on its PCA plane', async () => {
    const run = path.join(dir, 'run');
    const t = await cli(
      'train',
      ...[
        '--data',
        'synthetic',
        '--out',
        run,
        '--architecture',
        'vgg11',
        '--width',
        '0.125',
        '--base-epochs',
        '4',
      ],
      ...['--batch-size', '16', '--train-limit', '64', '--test-limit', '16', '--keep-path'],
    );
    expect(t.code, t.err).toBe(0);
    expect(readdirSync(path.join(run, 'path')).sort()).toEqual(
      [1, 2, 3, 4].map((e) => `epoch-${e}.safetensors`),
    );
    const out = path.join(dir, 'path');
    const r = await cliJson(
      'plane',
      '--path',
      path.join(run, 'path'),
      '--data',
      DATA,
      '--images',
      '8',
      '--split',
      'test',
      '--points',
      '5',
      '--out',
      out,
    );
    const json = readJson(`${out}.json`);
    expect(json.kind).toBe('path');
    expect(json.path?.epochs).toEqual([1, 2, 3, 4]);
    // The origin is the last epoch: it sits at (0, 0), and the plane covers every snapshot.
    expect(json.path?.x[3]).toBeCloseTo(0, 6);
    expect(json.path?.y[3]).toBeCloseTo(0, 6);
    for (const [i, x] of (json.path?.x ?? []).entries()) {
      expect(x).toBeGreaterThanOrEqual(json.x[0] as number);
      expect(x).toBeLessThanOrEqual(json.x[4] as number);
      expect(json.path?.y[i]).toBeGreaterThanOrEqual(json.y[0] as number);
    }
    const [e1, e2] = r.explained as [number, number];
    expect(e1).toBeGreaterThanOrEqual(e2);
    expect(e1 + e2).toBeLessThanOrEqual(1 + 1e-9);
  }, 180_000);

  it('refuses what it cannot draw', async () => {
    const cases: [string[], RegExp][] = [
      [['--norm', 'unit'], /--norm must be filter, layer or none/],
      [['--part', '4/3'], /--part must be I\/N/],
      [['--points', '2'], /--points must be a whole number from 3 to 101/],
      [['--range', '1,-1'], /from a number to a larger one/],
      [['--split', 'both'], /is one split \(a record file\)/],
    ];
    for (const [extra, message] of cases) {
      const r = await cli('plane', ...flags, ...extra, '--out', path.join(dir, 'refused'));
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.err).toMatch(message);
    }
  }, 120_000);
});

describe('cli surface --part', () => {
  it('computes a face surface in parts that merge into the surface computed whole', async () => {
    const flags = ['--weights', ref('vertices.safetensors'), '--data', DATA, '--grid', '4', '--images', '8'];
    const whole = path.join(dir, 'face-whole');
    await cliJson('surface', ...flags, '--out', whole);
    const parts = [1, 2].map((i) => path.join(dir, `face-part${i}`));
    for (const [i, p] of parts.entries()) {
      const r = await cliJson('surface', ...flags, '--part', `${i + 1}/2`, '--out', p);
      expect(r.files).toEqual([`${p}.json`]);
    }
    const merged = path.join(dir, 'face-merged');
    await cliJson('merge', ...parts.map((p) => `${p}.json`), '--out', merged);
    expect(readFileSync(`${merged}.csv`, 'utf8')).toBe(readFileSync(`${whole}.csv`, 'utf8'));
    const json = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(json(`${merged}.json`).loss).toEqual(json(`${whole}.json`).loss);
    expect(json(`${merged}.json`).basis).toEqual(json(`${whole}.json`).basis);
    const missing = await cli('merge', `${parts[1]}.json`, '--out', path.join(dir, 'face-m'));
    expect(missing.err).toMatch(/part 1 of 2 is missing/);
  }, 120_000);
});
