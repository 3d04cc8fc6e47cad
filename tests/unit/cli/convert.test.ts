// `convert` between the layouts reproduces the fixtures' own files bit for bit, in both directions.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, cliJson, readTensors, ref } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-convert-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Same tensor names, shapes and bit-identical values. */
function expectSameTensors(actualFile: string, wantFile: string): void {
  const actual = readTensors(actualFile).tensors;
  const want = readTensors(wantFile).tensors;
  const names = [...want.keys()].filter((n) => !n.endsWith('num_batches_tracked'));
  expect([...actual.keys()].sort()).toEqual(names.sort());
  for (const name of names) {
    const a = actual.get(name);
    const w = want.get(name);
    expect(a?.shape, name).toEqual(w?.shape);
    const differs = (w?.data ?? []).findIndex((v, i) => !Object.is(v, a?.data[i]));
    expect(differs, `${name}: first differing index`).toBe(-1);
  }
}

describe('cli convert', () => {
  it('writes vertex 1 of a SimplexNet file as the VGG16 file of it', async () => {
    const out = path.join(dir, 'v1.safetensors');
    const info = await cliJson('convert', ref('vertices.safetensors'), out, '--vertex', '1');
    expect(info).toMatchObject({ layout: 'base', vertexCount: 1, vertex: 1 });
    expectSameTensors(out, ref('vertex1.safetensors'));
    expect(readTensors(out).metadata.vertex).toBe('1');
  });

  it('joins VGG16 files into the SimplexNet file of them', async () => {
    const out = path.join(dir, 'simplex.safetensors');
    const inputs = [0, 1, 2].map((i) => ref(`vertex${i}.safetensors`));
    const info = await cliJson('convert', ...inputs, out, '--frozen', '0,1');
    expect(info).toMatchObject({ layout: 'simplex', vertexCount: 3, frozen: [0, 1], complex: [[0, 1, 2]] });
    expectSameTensors(out, ref('vertices.safetensors'));
    // And info reads the result back.
    expect(await cliJson('info', out)).toMatchObject({ vertexCount: 3, frozen: [0, 1] });
  });

  it('refuses to replace an existing file without --force', async () => {
    const out = path.join(dir, 'twice.safetensors');
    await cliJson('convert', ref('vertex0.safetensors'), out);
    expect(existsSync(out)).toBe(true);
    const again = await cli('convert', ref('vertex0.safetensors'), out);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/^error: BAD_ARGUMENT: .*--force/);
    expect((await cli('convert', ref('vertex0.safetensors'), out, '--force')).code).toBe(0);
  });
});
