// PyTorch's own files on the command line: info names what reading did, convert goes from .pt to
// safetensors and back (the same weights bit for bit), eval and train --from take .pt, and a file
// holding several state dicts takes --key.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR_LAYOUT, cli, cliJson, readTensors } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-pt-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
const PT = path.resolve(process.cwd(), 'tests/fixtures/pytorch-pt');
const DATA = path.join(CIFAR_LAYOUT, 'cifar-10-binary.tar.gz');

describe('.pt files on the command line', () => {
  it('info says the format, the complex read from the name and what reading did', async () => {
    const info = await cliJson('info', path.join(PT, '2mode_1connector_0.1.pt'));
    expect(info).toMatchObject({
      format: 'pt',
      layout: 'simplex',
      architecture: 'preresnet8',
      vertexCount: 3,
      complex: [
        [0, 2],
        [1, 2],
      ],
      frozen: [0, 1],
    });
    expect(info.notes).toEqual(['read the complex from the file name: 2 modes, each joined to 1 connector']);
    const given = await cliJson('info', path.join(PT, '2mode_1connector_0.1.pt'), '--complex', '[[0,1,2]]');
    expect(given.complex).toEqual([[0, 1, 2]]);
  });

  it('converts .pt to safetensors and back, weights bit for bit', async () => {
    const st = path.join(dir, 'complex.safetensors');
    const pt = path.join(dir, 'complex.pt');
    expect(await cliJson('convert', path.join(PT, '2mode_1connector_0.1.pt'), st)).toMatchObject({
      format: 'safetensors',
      layout: 'simplex',
    });
    expect(await cliJson('convert', st, pt)).toMatchObject({
      format: 'pt',
      complex: [
        [0, 2],
        [1, 2],
      ],
    });
    const back = path.join(dir, 'back.safetensors');
    await cliJson('convert', pt, back);
    const a = readTensors(st).tensors;
    const b = readTensors(back).tensors;
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    for (const [name, t] of a) {
      const other = b.get(name)?.data ?? new Float32Array();
      expect(
        t.data.findIndex((v, i) => !Object.is(v, other[i])),
        name,
      ).toBe(-1);
    }
    // One vertex out of the .pt, as a .pt.
    expect(await cliJson('convert', pt, path.join(dir, 'v2.pt'), '--vertex', '2')).toMatchObject({
      layout: 'base',
      format: 'pt',
    });
  });

  it('evaluates a .pt and trains from one', async () => {
    const r = await cliJson(
      'eval',
      '--weights',
      path.join(PT, 'preresnet8.pt'),
      '--data',
      DATA,
      '--limit',
      '8',
      '--backend',
      'wasm',
    );
    expect(r.model).toMatchObject({ architecture: 'preresnet8' });
    expect(Number.isFinite(r.loss)).toBe(true);
    const out = path.join(dir, 'spro');
    const trained = await cli(
      'train',
      ...['--procedure', 'simplex', '--from', path.join(PT, 'preresnet8.pt'), '--data', DATA, '--out', out],
      ...['--architecture', 'preresnet8', '--width', '1', '--batch-size', '8', '--train-limit', '16'],
      ...['--test-limit', '8', '--epochs-per-vertex', '1', '--vertices', '1', '--n-sample', '1'],
    );
    expect(trained.code, trained.err).toBe(0);
  });

  it('asks which state dict of a checkpoint with several, and takes --key', async () => {
    const wrapped = path.join(PT, 'checkpoint-3.pt');
    const bad = await cli('info', wrapped, '--key', 'optimizer_state');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toMatch(/has no state dict under "optimizer_state" \(it has "model_state"\)/);
  });
});
