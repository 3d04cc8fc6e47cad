// `eval` against the PyTorch fixtures: loss at a vertex and at `alpha`, the logits file, the
// volume, and the official tarball layout. Eight images at width 1/8: each run is about a second.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR_LAYOUT, cliJson, expected, meanCrossEntropy, ref, relClose } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-eval-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const labels = (): number[] => Array.from(expected('labels'));
const alpha = (): string => Array.from(expected('alpha')).join(',');

describe('cli eval', () => {
  it('gives the mean cross-entropy of logits.vertex0 for a VGG16 file', async () => {
    const want = meanCrossEntropy(expected('logits.vertex0'), labels(), 10);
    const r = await cliJson('eval', '--weights', ref('vertex0.safetensors'), '--data', ref('inputs.bin'));
    expect(r.n).toBe(8);
    expect(relClose(r.loss, want), `loss ${String(r.loss)} vs ${want}`).toBe(true);
    expect(r.point).toEqual({ kind: 'vertex', vertex: 0 });
    expect(r.volume).toBeUndefined();
    for (const key of ['accuracy', 'nll', 'ece']) expect(typeof r[key], key).toBe('number');
  });

  it('matches loss.alpha, logits.alpha and the volume at the fixture alpha', async () => {
    const out = path.join(dir, 'alpha.json');
    const r = await cliJson(
      'eval',
      '--weights',
      ref('vertices.safetensors'),
      '--data',
      ref('inputs.bin'),
      '--format',
      'cifar10',
      '--coeffs',
      alpha(),
      '--logits',
      out,
    );
    expect(relClose(r.loss, expected('loss.alpha')[0] ?? NaN), `loss ${String(r.loss)}`).toBe(true);
    expect(relClose(r.volume, expected('volume')[0] ?? NaN), `volume ${String(r.volume)}`).toBe(true);

    const rows = JSON.parse(readFileSync(out, 'utf8')) as number[][];
    const want = expected('logits.alpha');
    expect(rows.length).toBe(8);
    const flat = rows.flat();
    expect(flat.length).toBe(want.length);
    const scale = Math.max(...Array.from(want, Math.abs));
    const maxDiff = Math.max(...flat.map((v, i) => Math.abs(v - (want[i] ?? NaN))));
    expect(maxDiff).toBeLessThanOrEqual(1e-4 * scale);
  });

  it('defaults to the centroid of simplex 0 for several vertices', async () => {
    const r = await cliJson('eval', '--weights', ref('vertices.safetensors'), '--data', ref('inputs.bin'));
    expect(r.point).toEqual({ kind: 'centroid', coefficients: [1 / 3, 1 / 3, 1 / 3] });
    const third = await cliJson(
      'eval',
      '--weights',
      ref('vertices.safetensors'),
      '--data',
      ref('inputs.bin'),
      '--coeffs',
      [1 / 3, 1 / 3, 1 / 3].join(','),
    );
    expect(r.loss).toBe(third.loss);
  });

  it('evaluates one vertex of a SimplexNet file as the VGG16 file of it', async () => {
    const want = meanCrossEntropy(expected('logits.vertex2'), labels(), 10);
    const r = await cliJson(
      'eval',
      '--weights',
      ref('vertices.safetensors'),
      '--data',
      ref('inputs.bin'),
      '--vertex',
      '2',
      '--limit',
      '8',
      '--batch',
      '3',
    );
    expect(relClose(r.loss, want), `loss ${String(r.loss)} vs ${want}`).toBe(true);
  });

  it('ESPRO sampling is seeded and writes log-probabilities', async () => {
    const out = path.join(dir, 'espro.json');
    const args = [
      'eval',
      '--weights',
      ref('vertices.safetensors'),
      '--data',
      ref('inputs.bin'),
      '--samples',
      '2',
    ];
    const a = await cliJson(...args, '--seed', '7', '--logits', out);
    const b = await cliJson(...args, '--seed', '7');
    expect(a.loss).toBe(b.loss);
    expect(a.loss).toBe(a.nll);
    const rows = JSON.parse(readFileSync(out, 'utf8')) as number[][];
    for (const row of rows) expect(row.reduce((s, v) => s + Math.exp(v), 0)).toBeCloseTo(1, 5);
  });

  it('reads the test split of an official CIFAR-10 tarball', async () => {
    const r = await cliJson(
      'eval',
      '--weights',
      ref('vertex0.safetensors'),
      '--data',
      path.join(CIFAR_LAYOUT, 'cifar-10-binary.tar.gz'),
    );
    expect(r.n).toBe(40);
    expect(r.data).toMatchObject({ dataset: 'cifar10', split: 'test', images: 40 });
  });

  it('reads the train split of a tarball on request, and a record file by its official name', async () => {
    const train = await cliJson(
      'eval',
      '--weights',
      ref('vertex0.safetensors'),
      '--data',
      path.join(CIFAR_LAYOUT, 'cifar-10-binary.tar.gz'),
      '--split',
      'train',
      '--limit',
      '3',
    );
    expect(train.n).toBe(3);
    // Only the images evaluated are read.
    expect(train.data).toMatchObject({ dataset: 'cifar10', split: 'train', images: 3 });

    const named = path.join(dir, 'test_batch.bin');
    copyFileSync(ref('inputs.bin'), named);
    const r = await cliJson('eval', '--weights', ref('vertex0.safetensors'), '--data', named, '--limit', '2');
    expect(r.data).toMatchObject({ dataset: 'cifar10', images: 2 });
    expect(r.n).toBe(2);
  });

  it('leaves no tensors behind', async () => {
    const args = [
      'eval',
      '--weights',
      ref('vertices.safetensors'),
      '--data',
      ref('inputs.bin'),
      '--limit',
      '2',
    ];
    await cliJson(...args);
    const before = tf.memory().numTensors;
    await cliJson(...args, '--samples', '1');
    await cliJson(...args);
    expect(tf.memory().numTensors).toBe(before);
  });
});
