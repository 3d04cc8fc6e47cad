// The command line on a batch-norm network: a PreResNet-8 (width 1/2) trained on the CIFAR-10
// fixture tarball, grown into a simplex, then described, evaluated with stored and recomputed
// statistics, converted both ways and surfaced. The files carry the shared running statistics
// under the reference's names.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR_LAYOUT, cli, cliJson, readTensors, ref } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-bn-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const DATA = path.join(CIFAR_LAYOUT, 'cifar-10-binary.tar.gz');
const TINY = [
  ...['--data', DATA, '--architecture', 'preresnet8', '--width', '0.5', '--batch-size', '8'],
  ...['--train-limit', '32', '--test-limit', '16', '--read-every', '2', '--base-epochs', '1'],
  ...['--epochs-per-vertex', '1', '--n-sample', '2', '--vertices', '2'],
];

let simplexFile = '';
let baseFile = '';

beforeAll(async () => {
  const trained = await cli('train', '--procedure', 'base', '--out', path.join(dir, 'base'), ...TINY);
  if (trained.code !== 0) throw new Error(trained.err);
  const base = readdirSync(path.join(dir, 'base')).find((f) => f.includes('vertex0'));
  if (!base) throw new Error('the base run wrote no vertex file');
  baseFile = path.join(dir, 'base', base);
  const r = await cli(
    'train',
    '--procedure',
    'simplex',
    '--from',
    baseFile,
    '--out',
    path.join(dir, 'simplex'),
    ...TINY,
  );
  if (r.code !== 0) throw new Error(r.err);
  const simplex = readdirSync(path.join(dir, 'simplex')).find((f) => f.includes('simplex-3v'));
  if (!simplex) throw new Error('the simplex run wrote no SimplexNet file');
  simplexFile = path.join(dir, 'simplex', simplex);
}, 240_000);

describe('a PreResNet simplex from the command line', () => {
  it('writes the SimplexNet names with one shared set of running statistics', async () => {
    const names = [...readTensors(simplexFile).tensors.keys()];
    expect(names).toContain('net.layer2.0.downsample.weight_2');
    expect(names).toContain('net.layer1.0.bn1.weight_1');
    expect(names).toContain('net.layer1.0.bn1.running_mean');
    expect(names).not.toContain('net.layer1.0.bn1.running_mean_0');
    const counter = readTensors(simplexFile).tensors.get('net.bn.num_batches_tracked');
    expect(counter?.dtype).toBe('I64');
    // The base stage's 4 steps, then 4 steps of 2 draws in each of the two vertex stages.
    expect(counter?.data[0]).toBe(4 + 2 * 4 * 2);
    const info = await cliJson('info', simplexFile);
    expect(info).toMatchObject({
      layout: 'simplex',
      architecture: 'preresnet8',
      family: 'preresnet',
      widthScale: 0.5,
      vertexCount: 3,
      batchNormLayers: 7,
    });
    const base = await cliJson('info', baseFile);
    expect(base).toMatchObject({ layout: 'base', architecture: 'preresnet8', batchNormLayers: 7 });
  });

  it('evaluates points with recomputed statistics by default, vertices with the stored ones, and says which', async () => {
    const common = ['--weights', simplexFile, '--data', DATA, '--limit', '16', '--backend', 'wasm'];
    const recomputed = await cliJson('eval', ...common, '--coeffs', '0.2,0.3,0.5', '--bn-batches', '1');
    expect(recomputed.batchNorm).toEqual({
      statistics: 'recomputed',
      batches: 1,
      batchSize: 128,
      from: DATA,
    });
    const stored = await cliJson('eval', ...common, '--coeffs', '0.2,0.3,0.5', '--bn', 'stored');
    expect(stored.batchNorm).toEqual({ statistics: 'stored' });
    expect(stored.loss).not.toBeCloseTo(recomputed.loss as number, 6);
    const vertex = await cliJson('eval', ...common, '--vertex', '1');
    expect(vertex.batchNorm).toEqual({ statistics: 'stored' });
    // A lone record file holds one split: recomputing from the images evaluated is refused.
    const r = await cli(
      'eval',
      '--weights',
      simplexFile,
      '--data',
      ref('inputs.bin'),
      '--coeffs',
      '0.2,0.3,0.5',
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--bn recomputed needs training images, and inputs.bin is a record file/);
    const withTrain = await cliJson(
      'eval',
      ...['--weights', simplexFile, '--data', ref('inputs.bin')],
      '--bn-data',
      ref('inputs.bin'),
    );
    expect(withTrain.batchNorm).toMatchObject({ statistics: 'recomputed', batchSize: 8 });
  });

  it('converts a vertex out with the shared statistics, and joins vertices back', async () => {
    const one = path.join(dir, 'vertex1.safetensors');
    const out = await cliJson('convert', simplexFile, one, '--vertex', '1');
    expect(out).toMatchObject({ layout: 'base', architecture: 'preresnet8' });
    const vertex = readTensors(one).tensors;
    const shared = readTensors(simplexFile).tensors;
    expect(Array.from(vertex.get('layer2.0.downsample.0.weight')?.data ?? [])).toEqual(
      Array.from(shared.get('net.layer2.0.downsample.weight_1')?.data ?? []),
    );
    expect(Array.from(vertex.get('bn.running_var')?.data ?? [])).toEqual(
      Array.from(shared.get('net.bn.running_var')?.data ?? []),
    );
    const joined = path.join(dir, 'joined.safetensors');
    const back = await cliJson('convert', baseFile, one, joined);
    expect(back).toMatchObject({ layout: 'simplex', vertexCount: 2, batchNormLayers: 7 });
  });

  it('surfaces a face with recomputed statistics and records them in the CSV and JSON', async () => {
    const prefix = path.join(dir, 'face');
    const r = await cliJson(
      'surface',
      ...[
        '--weights',
        simplexFile,
        '--data',
        DATA,
        '--grid',
        '3',
        '--images',
        '8',
        '--bn-batches',
        '1',
        '--out',
        prefix,
      ],
    );
    expect(r.files).toEqual([`${prefix}.csv`, `${prefix}.json`]);
    const csv = readFileSync(`${prefix}.csv`, 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/,bn_statistics$/);
    expect(csv[1]).toMatch(/recomputed on 1 × 128 training images$/);
    const json = JSON.parse(readFileSync(`${prefix}.json`, 'utf8')) as { batchNorm: { statistics: string } };
    expect(json.batchNorm.statistics).toBe('recomputed');
  });
});
