// Files PyTorch wrote, not the studio (tests/fixtures/pytorch-made, made by
// tests/pytorch/check_interop.py with `safetensors.torch.save_file(model.state_dict())`): shapes
// and dtypes the studio never writes, no studio metadata. The CLI must infer each model from its
// shapes and give PyTorch's float64 logits on the same CIFAR test images.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CIFAR_LAYOUT, cliJson, readTensors } from '../cli/cliHarness';

const MADE = path.resolve(process.cwd(), 'tests/fixtures/pytorch-made');
const IMAGES = 16;
const expected = readTensors(path.join(MADE, 'expected.safetensors'));

function want(name: string): Float32Array {
  const t = expected.tensors.get(name);
  if (!t) throw new Error(`expected.safetensors has no ${name}`);
  return t.data;
}

async function logits(file: string, data: string, ...where: string[]): Promise<Float32Array> {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'pytorch-made-')), 'logits.json');
  await cliJson(
    'eval',
    '--weights',
    path.join(MADE, file),
    '--data',
    path.join(CIFAR_LAYOUT, data),
    '--limit',
    String(IMAGES),
    '--logits',
    out,
    ...where,
  );
  return Float32Array.from((JSON.parse(readFileSync(out, 'utf8')) as number[][]).flat());
}

/** Float32 arithmetic against PyTorch's float64: within 1e-4 of the largest logit. */
function expectClose(got: Float32Array, wanted: Float32Array) {
  expect(got.length).toBe(wanted.length);
  const scale = Math.max(...wanted.map(Math.abs));
  const worst = Math.max(...got.map((g, i) => Math.abs(g - (wanted[i] ?? NaN))));
  expect(worst).toBeLessThan(1e-4 * scale);
}

describe('VGG16 state_dicts saved by PyTorch in half precision', () => {
  for (const dtype of ['f16', 'bf16']) {
    const file = `vgg16-w0.125-c100-${dtype}.safetensors`;
    it(`${dtype}: inferred as VGG16, width 1/8, 100 classes, without metadata`, async () => {
      const info = await cliJson('info', path.join(MADE, file));
      expect(info).toMatchObject({ layout: 'base', architecture: 'vgg16', widthScale: 0.125, classes: 100 });
    });
    it(`${dtype}: gives PyTorch's logits on CIFAR-100`, async () => {
      const got = await logits(file, 'cifar-100-binary.tar.gz');
      expectClose(got, want(`vgg16-w0.125-c100-${dtype}.logits`));
    });
  }
});

describe('a two-vertex SimplexNet saved by PyTorch', () => {
  const file = 'simplexnet-w0.125-c10-2v.safetensors';
  it('is read as a simplex of two vertices, width 1/8, 10 classes, without studio metadata', async () => {
    const info = await cliJson('info', path.join(MADE, file));
    expect(info).toMatchObject({ layout: 'simplex', vertexCount: 2, classes: 10, widthScale: 0.125 });
  });
  for (const [tag, where] of [
    ['vertex0', ['--vertex', '0']],
    ['vertex1', ['--vertex', '1']],
    ['0.3-0.7', ['--coeffs', '0.3,0.7']],
  ] as const) {
    it(`gives PyTorch's logits at ${tag} on CIFAR-10`, async () => {
      const got = await logits(file, 'cifar-10-binary.tar.gz', ...where);
      expectClose(got, want(`simplexnet-w0.125-c10-2v.logits.${tag}`));
    });
  }
});
