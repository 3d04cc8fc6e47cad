// `eval` on an image folder and on a .zip of it (tests/fixtures/image-folder/shapes: train/ and
// test/ with a circle and a square class, PNGs of every colour type, a JPEG Node does not decode,
// a broken PNG). The model is vertex0 cut to two classes (the first two rows of its last layer).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/engine/formats/safetensors';
import { cli, cliJson, readTensors, ref } from './cliHarness';

const FOLDER = path.resolve('tests/fixtures/image-folder/shapes');
const ZIP = path.resolve('tests/fixtures/image-folder/shapes.zip');
const dir = mkdtempSync(path.join(tmpdir(), 'cli-folder-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function twoClassModel(): string {
  const file = readTensors(ref('vertex0.safetensors'));
  const tensors = [...file.tensors].map(([name, t]) => {
    if (name === 'l3.weight') return { name, shape: [2, 64], data: t.data.slice(0, 128) };
    if (name === 'l3.bias') return { name, shape: [2], data: t.data.slice(0, 2) };
    return { name, shape: t.shape, data: t.data };
  });
  const out = path.join(dir, 'two-class.safetensors');
  writeFileSync(out, Buffer.concat(writeSafetensors(tensors, { format: 'pt' })));
  return out;
}

describe('cli eval on an image folder', () => {
  it('evaluates the same records from the folder and from its zip, either split', async () => {
    const weights = twoClassModel();
    const folder = await cliJson('eval', '--weights', weights, '--data', FOLDER);
    const zip = await cliJson('eval', '--weights', weights, '--data', ZIP);
    expect(folder.data).toEqual({ file: FOLDER, dataset: 'shapes', split: 'test', images: 2 });
    expect(folder.n).toBe(2);
    expect(typeof folder.loss).toBe('number');
    expect({ ...zip, data: null }).toEqual({ ...folder, data: null });

    // Training split: the decodable PNGs only (the JPEG and the broken PNG are skipped).
    const train = await cliJson(
      'eval',
      '--weights',
      weights,
      '--data',
      FOLDER,
      '--split',
      'train',
      '--limit',
      '3',
    );
    expect(train.data).toMatchObject({ split: 'train', images: 8 });
    expect(train.n).toBe(3);
  }, 120_000);

  it('refuses a model of another class count and a missing zip', async () => {
    const r = await cli('eval', '--weights', ref('vertex0.safetensors'), '--data', ZIP);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error: SHAPE_MISMATCH: vertex0.safetensors has 10 classes but shapes.zip is shapes \(2 classes\)/,
    );
    const missing = await cli(
      'eval',
      '--weights',
      ref('vertex0.safetensors'),
      '--data',
      path.join(dir, 'none.zip'),
    );
    expect(missing.err).toMatch(/^error: NOT_FOUND: .*none\.zip/);
  }, 120_000);
});
