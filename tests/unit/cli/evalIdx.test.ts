// `eval` on an MNIST-family folder: Debian's official Fashion-MNIST files, read through the studio's
// IDX importer (the same padded records the tab stores), and a class count that does not fit.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, cliJson, ref } from './cliHarness';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const C100 = path.resolve(process.cwd(), 'tests/fixtures/pytorch-made/vgg16-w0.125-c100-f16.safetensors');

describe.runIf(existsSync(FASHION_DIR))('cli eval on IDX files', () => {
  it('evaluates the test split of a folder of IDX files', async () => {
    const r = await cliJson(
      'eval',
      '--weights',
      ref('vertex0.safetensors'),
      '--data',
      FASHION_DIR,
      '--limit',
      '12',
    );
    expect(r.n).toBe(12);
    expect(r.data).toEqual({ file: FASHION_DIR, dataset: 'Fashion-MNIST', split: 'test', images: 10000 });
    expect(typeof r.loss).toBe('number');
  }, 120_000);

  it('takes one of the files and --split train, and refuses a model of another class count', async () => {
    const one = path.join(FASHION_DIR, 'train-labels-idx1-ubyte.gz');
    const r = await cli('eval', '--weights', C100, '--data', one, '--split', 'train', '--limit', '4');
    expect(r.code).toBe(1);
    expect(r.err).toContain('SHAPE_MISMATCH');
    expect(r.err).toContain('is Fashion-MNIST (10 classes)');
  }, 120_000);
});
