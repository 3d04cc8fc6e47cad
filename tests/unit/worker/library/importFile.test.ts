import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { StudioError } from '../../../../src/protocol/errors';
import { modelFromFile, displayName } from '../../../../src/worker/library/importFile';
import { vertexFile } from '../../../../src/engine/formats/stateDict';
import { REFERENCE_DIR } from '../../engine/fixtures';

const bytesOf = (name: string) => new Uint8Array(readFileSync(path.join(REFERENCE_DIR, name)));
const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

async function thrown(fn: () => Promise<unknown>): Promise<StudioError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof StudioError) return err;
    throw err;
  }
  throw new Error('expected a StudioError');
}

const read = async (...args: Parameters<typeof modelFromFile>) => (await modelFromFile(...args)).model;

describe('modelFromFile', () => {
  it('reads a PyTorch VGG16 state_dict as one imported mode', async () => {
    const m = await read(bytesOf('vertex0.safetensors'), 'vertex0.safetensors', null);
    expect(m.spec).toEqual({ architecture: 'vgg16', widthScale: 0.125, numClasses: 10 });
    expect(m.name).toBe('vertex0');
    expect(m.kind).toBe('imported');
    expect(m.vertices).toHaveLength(1);
    expect(m.complex).toEqual([[0]]);
    expect(m.frozen).toEqual([false]);
    expect(m.roles).toEqual(['mode']);
    expect(m.dataset).toBeNull();
    expect(m.source).toEqual({ kind: 'file', fileName: 'vertex0.safetensors', run: null });
  });

  it('reads a SimplexNet state_dict as one simplex of all its vertices', async () => {
    const m = await read(bytesOf('vertices.safetensors'), 'vertices.safetensors', null);
    expect(m.vertices).toHaveLength(3);
    expect(m.complex).toEqual([[0, 1, 2]]);
    expect(m.frozen).toEqual([false, false, false]);
    expect(m.roles).toEqual(['vertex', 'vertex', 'vertex']);
  });

  it('records the dataset it will be used with when the class counts agree', async () => {
    const m = await read(bytesOf('vertex0.safetensors'), 'v.safetensors', {
      id: 'cifar10',
      name: 'CIFAR-10',
      numClasses: 10,
    });
    expect(m.dataset).toEqual({ id: 'cifar10', name: 'CIFAR-10' });
  });

  it('refuses a model whose class count differs from the dataset, naming both', async () => {
    const err = await thrown(() =>
      read(bytesOf('vertex0.safetensors'), 'v.safetensors', {
        id: 'cifar100',
        name: 'CIFAR-100',
        numClasses: 100,
      }),
    );
    expect(err.code).toBe('SHAPE_MISMATCH');
    expect(err.message).toContain('v.safetensors is a 10-class model but CIFAR-100 has 100 classes');
  });

  it('names the file in the reader’s errors', async () => {
    const whole = bytesOf('vertex0.safetensors');
    const err = await thrown(() => read(whole.subarray(0, whole.length - 4), 'cut.safetensors', null));
    expect(err.code).toBe('BAD_SAFETENSORS');
    expect(err.message).toMatch(/^cut\.safetensors: Not a valid safetensors file/);
  });

  it('reads a zip or a pickle as PyTorch’s .pt, whose reader says what is wrong', async () => {
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, ...new Array<number>(60).fill(0)]);
    const err = await thrown(() => read(zip, 'model.pt', null));
    expect(err.code).toBe('BAD_PT');
    expect(err.message).toMatch(/^model\.pt: The PyTorch file is a damaged zip archive/);
  });

  it('says what another kind of file is before any detail of the safetensors reader', async () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, ...new Array<number>(60).fill(7)]);
    const err = await thrown(() => read(jpeg, 'photo.safetensors', null));
    expect(err.code).toBe('BAD_SAFETENSORS');
    expect(err.message).toBe(
      'photo.safetensors: this is a JPEG image, not a weights file (safetensors or PyTorch .pt).',
    );
    // Unknown bytes: the reader's own sentence, which starts with what the file is not.
    const text = new TextEncoder().encode('hello world, these are not weights at all');
    expect((await thrown(() => read(text, 'notes.txt', null))).message).toMatch(
      /^notes\.txt: Not a safetensors file: it does not start with a header length/,
    );
  });

  it('keeps what a studio file says about its origin', async () => {
    const source = await read(bytesOf('vertex1.safetensors'), 'vertex1.safetensors', null);
    const file = vertexFile(source.spec, source.vertices[0] ?? [], [], {
      dataset: 'CIFAR-10',
      run: 'run 7',
      metrics: { testAccuracy: 0.93, nll: null },
      training: { lr: 0.05 },
      normalisation: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    });
    const m = await read(concat(file), 'x.safetensors', null);
    expect(m.dataset).toEqual({ id: null, name: 'CIFAR-10' });
    expect(m.source).toEqual({ kind: 'file', fileName: 'x.safetensors', run: 'run 7' });
    expect(m.metrics).toEqual({ testAccuracy: 0.93, nll: null });
    expect(m.training).toEqual({ lr: 0.05 });
    expect(m.normalisation?.std).toEqual([0.229, 0.224, 0.225]);
  });

  it('refuses a normalisation that would feed the network infinite inputs, as the CLI does', async () => {
    const source = await read(bytesOf('vertex1.safetensors'), 'vertex1.safetensors', null);
    const file = vertexFile(source.spec, source.vertices[0] ?? [], [], {
      normalisation: { mean: [0.5, 0.5, 0.5], std: [1e-300, 0.2, 0.2] },
    });
    const err = await thrown(() => read(concat(file), 'tiny-std.safetensors', null));
    expect(err.code).toBe('BAD_SAFETENSORS');
    expect(err.message).toMatch(/^tiny-std.safetensors: .*"normalisation" is unusable: a std of 1e-300/);
  });
});

describe('displayName', () => {
  it('escapes control and bidi characters of the file name', () => {
    expect(displayName('model\u202Eexe.safetensors')).toBe('model\\u{202E}exe');
  });

  it('drops the extension and never returns an empty name', () => {
    expect(displayName('mode-3.safetensors')).toBe('mode-3');
    expect(displayName('MODE.SAFETENSORS')).toBe('MODE');
    expect(displayName('.safetensors')).toBe('imported model');
  });
});
