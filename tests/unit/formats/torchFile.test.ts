// PyTorch's own files (tests/fixtures/pytorch-pt, made by torch.save in PyTorch 1.13: see its
// README) read bit for bit as the safetensors of the same tensors: both formats, every dtype, views
// with strides and offsets, a wrapper dict, a PreResNet and a SimplexNet complex named as the
// reference names it; and the studio's own .pt writer read back.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../../../src/engine/formats/safetensors';
import { readTorchStateDict } from '../../../src/engine/formats/torchFile';
import { torchFile } from '../../../src/engine/formats/torchWriter';
import { parseWeightsFile, weightsFileParts } from '../../../src/engine/formats/weightsFile';
import { StudioError } from '../../../src/protocol/errors';
import { network } from '../../../src/protocol/network';
import {
  asTorchLayout,
  stateDictName,
  statisticName,
  torchToTf,
} from '../../../src/engine/formats/stateDict';

const DIR = path.resolve(process.cwd(), 'tests/fixtures/pytorch-pt');
const bytesOf = (name: string) => new Uint8Array(readFileSync(path.join(DIR, name)));
const expected = (name: string) => readSafetensors(bytesOf(name)).tensors;

function expectBits(actual: Float32Array | undefined, want: Float32Array | undefined, what: string): void {
  expect(actual?.length, what).toBe(want?.length);
  const a = new Uint32Array((actual ?? new Float32Array()).slice().buffer);
  const b = new Uint32Array((want ?? new Float32Array()).slice().buffer);
  expect(
    a.findIndex((v, i) => v !== b[i]),
    `${what}: first differing element`,
  ).toBe(-1);
}

describe('reading torch.save files', () => {
  const small = expected('small.expected.safetensors');

  it.each([
    ['small-f32.pt', 'zip', []],
    ['small-f32-legacy.pt', 'legacy', []],
    ['small-f16.pt', 'zip', ['converted float16 to float32']],
    ['small-bf16.pt', 'zip', ['converted bfloat16 to float32']],
    ['small-f64.pt', 'zip', ['converted float64 to float32']],
    ['small-views.pt', 'zip', []],
  ])('%s: every tensor as the safetensors holds it, bit for bit', async (name, format, notes) => {
    const read = await readTorchStateDict(bytesOf(name));
    expect(read.format).toBe(format);
    expect(read.notes).toEqual(notes);
    expect(read.key).toBeNull();
    expect([...read.tensors.keys()]).toEqual([...small.keys()]);
    for (const [tensor, want] of small) {
      const got = read.tensors.get(tensor);
      expect(got?.shape, tensor).toEqual(want.shape);
      expect(got?.dtype, tensor).toBe(want.dtype);
      expectBits(got?.data, want.data, `${name} ${tensor}`);
    }
  });

  it('takes the state dict out of a wrapper dict and says which key', async () => {
    const read = await readTorchStateDict(bytesOf('checkpoint-3.pt'));
    expect(read.key).toBe('model_state');
    expect(read.notes).toEqual(['took the state dict under "model_state"']);
    expectBits(read.tensors.get('fc.weight')?.data, small.get('fc.weight')?.data, 'fc.weight');
    await expect(readTorchStateDict(bytesOf('checkpoint-3.pt'), { key: 'optimizer_state' })).rejects.toThrow(
      /has no state dict under "optimizer_state" \(it has "model_state"\)/,
    );
  });

  it('reads a PreResNet-8 of the reference, statistics included', async () => {
    const file = await parseWeightsFile(bytesOf('preresnet8.pt'), { fileName: 'preresnet8.pt' });
    expect(file).toMatchObject({
      format: 'pt',
      layout: 'base',
      spec: { architecture: 'preresnet8', widthScale: 1, numClasses: 10 },
    });
    const want = expected('preresnet8.expected.safetensors');
    const safetensors = await parseWeightsFile(
      new Uint8Array(
        Buffer.concat(weightsFileParts('safetensors', 'base', file.spec, file.vertices, file.statistics, {})),
      ),
    );
    const net = network(file.spec);
    net.params.forEach((p, i) => {
      expectBits(safetensors.vertices[0]?.[i], file.vertices[0]?.[i], p.name);
    });
    net.batchNorms.forEach((l, i) => {
      expectBits(
        file.statistics[i]?.variance,
        want.get(statisticName('base', l, 'running_var'))?.data,
        l.name,
      );
      expect(file.statistics[i]?.batches).toBe(17);
    });
  });

  it('reads a complex from the reference’s file name, and refuses a name that does not fit', async () => {
    const file = await parseWeightsFile(bytesOf('2mode_1connector_0.1.pt'), {
      fileName: '2mode_1connector_0.1.pt',
    });
    expect(file.layout).toBe('simplex');
    expect(file.vertices).toHaveLength(3);
    expect(file.info.complex).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(file.info.frozen).toEqual([0, 1]);
    expect(file.notes).toContain('read the complex from the file name: 2 modes, each joined to 1 connector');
    // Its vertices are the PreResNet's weights times 1, 2 and 1/2 (exact in float32).
    const base = expected('preresnet8.expected.safetensors');
    network(file.spec).params.forEach((p, i) => {
      const want = torchToTf(
        p,
        asTorchLayout(p, base.get(stateDictName('base', p, 0))?.data ?? new Float32Array()),
      );
      [1, 2, 0.5].forEach((factor, v) => {
        expectBits(
          file.vertices[v]?.[i],
          want.map((x) => x * factor),
          `vertex ${v} ${p.name}`,
        );
      });
    });
    // Named as something else, it is one simplex of all vertices; a name that miscounts is refused.
    const plain = await parseWeightsFile(bytesOf('2mode_1connector_0.1.pt'), { fileName: 'mine.pt' });
    expect(plain.info.complex).toEqual([[0, 1, 2]]);
    await expect(
      parseWeightsFile(bytesOf('2mode_1connector_0.1.pt'), { fileName: '3mode_1connector_0.1.pt' }),
    ).rejects.toThrow(/its name says 3 modes and 1 connectors \(4 vertices\), but it holds 3/);
    const given = await parseWeightsFile(bytesOf('2mode_1connector_0.1.pt'), {
      fileName: 'mine.pt',
      complex: [
        [0, 1],
        [1, 2],
      ],
    });
    expect(given.info.complex).toEqual([
      [0, 1],
      [1, 2],
    ]);
    await expect(
      parseWeightsFile(bytesOf('2mode_1connector_0.1.pt'), { fileName: 'mine.pt', complex: [[0, 1]] }),
    ).rejects.toThrow(/does not fit the file's 3 vertices/);
  });
});

describe('the studio’s .pt writer', () => {
  it('writes what the reader reads back, metadata in studio.json, counters as int64', async () => {
    const pt = await parseWeightsFile(bytesOf('2mode_1connector_0.1.pt'), {
      fileName: '2mode_1connector_0.1.pt',
    });
    const parts = weightsFileParts('pt', 'simplex', pt.spec, pt.vertices, pt.statistics, {
      ...pt.info,
      run: 'interop',
    });
    const back = await parseWeightsFile(new Uint8Array(Buffer.concat(parts)), { fileName: 'x.pt' });
    expect(back.info.complex).toEqual(pt.info.complex);
    expect(back.info.run).toBe('interop');
    expect(back.statistics.map((s) => s.batches)).toEqual(pt.statistics.map((s) => s.batches));
    pt.vertices.forEach((vertex, v) => {
      vertex.forEach((values, p) => {
        expectBits(back.vertices[v]?.[p], values, `vertex ${v} param ${p}`);
      });
    });
    const raw = await readTorchStateDict(
      torchFile([{ name: 'n', shape: [], data: Float32Array.of(3e9), dtype: 'I64' }], {}),
    );
    expect(raw.tensors.get('n')).toEqual({ dtype: 'I64', shape: [], data: Float32Array.of(3e9) });
  });

  it('names several state dicts in a file and asks for one', async () => {
    const err = await readTorchStateDict(bytesOf('checkpoint-3.pt')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeNull();
    // A dict of two state dicts: the reader lists both and picks neither.
    const two = await import('./torchPickles').then((m) => m.twoStateDicts());
    const refused = await readTorchStateDict(two).then(
      () => null,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(StudioError);
    expect((refused as StudioError).code).toBe('BAD_ARGUMENT');
    expect((refused as StudioError).message).toMatch(
      /holds several state dicts \("model", "ema"\): pick one/,
    );
    expect((await readTorchStateDict(two, { key: 'ema' })).key).toBe('ema');
  });
});
