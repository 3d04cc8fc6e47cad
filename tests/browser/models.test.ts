// The model library in real Chromium with real IndexedDB: import the PyTorch reference fixtures
// through the file input, survive a reload, export through the real download and compare the
// downloaded bytes with the fixtures, re-import the export, and refuse bad files without changing
// the library.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type {} from '../../src/ui/debugHandle';
import { launchChromium, openStudio } from './chromium';
import { readSafetensors, type SafetensorsFile } from '../../src/engine/formats/safetensors';
import { readTorchStateDict } from '../../src/engine/formats/torchFile';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/reference');
const fixture = (name: string) => path.join(FIXTURES, name);
const PT = path.resolve(process.cwd(), 'tests/fixtures/pytorch-pt');

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser, '#models');
});
afterAll(async () => {
  await browser.close();
});

const rows = () => page.getByTestId('model-row');
const fileInput = () => page.getByLabel('Import model file');
function row(name: string): Locator {
  return rows().filter({ has: page.locator('[data-field="name"]', { hasText: new RegExp(`^${name}$`) }) });
}
async function field(r: Locator, name: string): Promise<string> {
  return ((await r.locator(`[data-field="${name}"]`).textContent()) ?? '').trim();
}

/** Clicks an export button and returns the download's name and bytes. */
async function download(r: Locator, button: string): Promise<{ name: string; bytes: Uint8Array }> {
  const [dl] = await Promise.all([
    page.waitForEvent('download'),
    r.getByRole('button', { name: button, exact: true }).click(),
  ]);
  const file = await dl.path();
  return { name: dl.suggestedFilename(), bytes: new Uint8Array(await readFile(file)) };
}

/** Same names, shapes and bit-identical values (the layout round trip is a pure permutation). */
function expectSameTensors(got: SafetensorsFile, want: SafetensorsFile): void {
  expect([...got.tensors.keys()].sort()).toEqual([...want.tensors.keys()].sort());
  for (const [name, t] of want.tensors) {
    const g = got.tensors.get(name);
    expect(g?.dtype, name).toBe('F32');
    expect(g?.shape, name).toEqual(t.shape);
    expect(bytesOf(g?.data).equals(bytesOf(t.data)), name).toBe(true);
  }
}

function bytesOf(data: Float32Array | undefined): Buffer {
  return data ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.alloc(0);
}

async function readFixture(name: string): Promise<SafetensorsFile> {
  return readSafetensors(new Uint8Array(await readFile(fixture(name))));
}

describe('model library', () => {
  it('imports a PyTorch VGG16 and a SimplexNet state_dict through the file input', async () => {
    await expect
      .poll(() => page.getByTestId('model-library-empty').isVisible(), { timeout: 60_000 })
      .toBe(true);

    await fileInput().setInputFiles(fixture('vertex0.safetensors'));
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(1);
    await fileInput().setInputFiles(fixture('vertices.safetensors'));
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(2);
    expect(await page.getByTestId('model-import-status').textContent()).toContain(
      'Imported vertices: vgg16 · width 1/8 · 10 classes · 3 vertices.',
    );

    for (const [name, vertices] of [
      ['vertex0', '1 vertex'],
      ['vertices', '3 vertices'],
    ] as const) {
      const r = row(name);
      expect(await field(r, 'architecture')).toBe('vgg16');
      expect(await field(r, 'width')).toBe('1/8');
      expect(await field(r, 'classes')).toBe('10');
      expect(await field(r, 'vertices')).toBe(vertices);
      expect(await field(r, 'source')).toContain(`imported from ${name}.safetensors`);
    }
  });

  it('keeps the library over a reload', async () => {
    await page.reload();
    await expect.poll(() => rows().count(), { timeout: 60_000 }).toBe(2);
    expect(await field(row('vertices'), 'vertices')).toBe('3 vertices');
  });

  it('exports a vertex as the PyTorch VGG16 state_dict it came from', async () => {
    const { name, bytes } = await download(row('vertices'), 'Vertex 2');
    expect(name).toBe('vgg16-w0.125_vertices_vertex2.safetensors');
    const file = readSafetensors(bytes);
    expectSameTensors(file, await readFixture('vertex2.safetensors'));
    expect(file.metadata.architecture).toBe('"vgg16"');
    expect(file.metadata.width_scale).toBe('0.125');
    expect(file.metadata.classes).toBe('10');
    expect(file.metadata.vertex).toBe('2');

    const single = await download(row('vertex0'), 'Vertex 0');
    expect(single.name).toBe('vgg16-w0.125_vertex0_vertex0.safetensors');
    expectSameTensors(readSafetensors(single.bytes), await readFixture('vertex0.safetensors'));
  });

  it('exports the simplex as the SimplexNet state_dict it came from, with a manifest, and re-imports it', async () => {
    const { name, bytes } = await download(row('vertices'), 'Whole simplex');
    expect(name).toBe('vgg16-w0.125_vertices_simplex-3v.safetensors');
    const file = readSafetensors(bytes);
    expectSameTensors(file, await readFixture('vertices.safetensors'));
    expect(JSON.parse(file.metadata.complex ?? 'null')).toEqual([[0, 1, 2]]);
    expect(JSON.parse(file.metadata.frozen ?? 'null')).toEqual([]);

    const manifest = await download(row('vertices'), 'Manifest');
    expect(manifest.name).toBe('vgg16-w0.125_vertices_manifest.json');
    const m = JSON.parse(new TextDecoder().decode(manifest.bytes)) as {
      width_scale: number;
      classes: number;
      files: { simplex: { name: string }; vertices: { name: string }[] };
    };
    expect(m.width_scale).toBe(0.125);
    expect(m.classes).toBe(10);
    expect(m.files.simplex.name).toBe(name);
    expect(m.files.vertices.map((v) => v.name)).toEqual(
      [0, 1, 2].map((i) => `vgg16-w0.125_vertices_vertex${i}.safetensors`),
    );

    // The downloaded file goes back in under its own name and comes out identical.
    await fileInput().setInputFiles({
      name,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(bytes),
    });
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(3);
    const again = row('vgg16-w0.125_vertices_simplex-3v');
    expect(await field(again, 'vertices')).toBe('3 vertices');
    const reexported = await download(again, 'Whole simplex');
    expectSameTensors(readSafetensors(reexported.bytes), file);
    expect(readSafetensors(reexported.bytes).metadata.complex).toBe(file.metadata.complex);
  });

  it('imports PyTorch .pt files, two at once, and exports a complex as a .pt of the same tensors', async () => {
    const before = await rows().count();
    // A PreResNet-8 and a reference complex saved by torch.save, picked together.
    await fileInput().setInputFiles([
      path.join(PT, 'preresnet8.pt'),
      path.join(PT, '2mode_1connector_0.1.pt'),
    ]);
    await expect.poll(() => rows().count(), { timeout: 60_000 }).toBe(before + 2);
    const status = page.getByTestId('model-import-status');
    await expect
      .poll(() => status.textContent(), { timeout: 30_000 })
      .toContain('read the complex from the file name: 2 modes, each joined to 1 connector');
    const complex = row('2mode_1connector_0.1');
    expect(await field(complex, 'architecture')).toBe('preresnet8');
    expect(await field(complex, 'vertices')).toBe('3 vertices');
    expect(await field(row('preresnet8'), 'vertices')).toBe('1 vertex');

    await complex.getByLabel('Weights format').selectOption('pt');
    const { name, bytes } = await download(complex, 'Whole complex');
    expect(name).toMatch(/^preresnet8-w1_2mode-1connector-0\.1_complex-3v-2s\.pt$/);
    const got = await readTorchStateDict(bytes);
    const want = await readTorchStateDict(
      new Uint8Array(await readFile(path.join(PT, '2mode_1connector_0.1.pt'))),
    );
    expect([...got.tensors.keys()].sort()).toEqual([...want.tensors.keys()].sort());
    for (const [key, t] of want.tensors) {
      const g = got.tensors.get(key);
      expect(g?.shape, key).toEqual(t.shape);
      expect(Array.from(g?.data ?? []), key).toEqual(Array.from(t.data));
    }
    expect(JSON.parse(got.metadata.complex ?? 'null')).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });

  it('refuses a truncated file and a file of another format, leaving the library unchanged', async () => {
    const before = await rows().count();
    const whole = await readFile(fixture('vertex0.safetensors'));
    const alert = page.getByTestId('model-import-error');

    await fileInput().setInputFiles({
      name: 'truncated.safetensors',
      mimeType: 'application/octet-stream',
      buffer: whole.subarray(0, whole.length - 1000),
    });
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain('truncated.safetensors');
    expect(await alert.getAttribute('role')).toBe('alert');
    expect(await alert.textContent()).toContain('Not a valid safetensors file');

    await fileInput().setInputFiles(fixture('inputs.bin'));
    await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain('inputs.bin');
    // Raw image bytes: the message says first that this is not safetensors at all.
    expect(await alert.textContent()).toContain(
      'Not a safetensors file: it does not start with a header length',
    );

    await page.reload();
    await expect.poll(() => rows().count(), { timeout: 60_000 }).toBe(before);
  });

  it('refuses a weights file over 1 GiB from its size, before reading it', async () => {
    const before = await rows().count();
    const dir = await mkdtemp(path.join(tmpdir(), 'models-huge-'));
    const huge = path.join(dir, 'huge.safetensors');
    await writeFile(huge, '');
    await truncate(huge, 2 ** 30 + 1); // sparse: read whole, it would cost the worker a GiB
    try {
      const alert = page.getByTestId('model-import-error');
      await fileInput().setInputFiles(huge);
      await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain('huge.safetensors');
      expect(await alert.textContent()).toContain(
        'The file is 1,073,741,825 bytes, more than the 1 GiB a weights file may hold',
      );
      expect(await rows().count()).toBe(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a model whose class count differs from the dataset it will be used with', async () => {
    const before = await rows().count();
    const base64 = (await readFile(fixture('vertex0.safetensors'))).toString('base64');
    const error = await page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const file = new File([bytes], 'vertex0.safetensors');
      try {
        await window.__studio?.client.call('importModel', {
          file,
          fileName: file.name,
          usedWith: { id: 'cifar100', name: 'CIFAR-100', numClasses: 100 },
        });
        return null;
      } catch (err) {
        return { code: (err as { code: string }).code, message: (err as Error).message };
      }
    }, base64);
    expect(error?.code).toBe('SHAPE_MISMATCH');
    expect(error?.message).toContain('10-class model but CIFAR-100 has 100 classes');
    await page.reload();
    await expect.poll(() => rows().count(), { timeout: 60_000 }).toBe(before);
  });

  it('imports for a dataset picked from the stored ones', async () => {
    const select = page.getByLabel('Use with dataset');
    await expect.poll(() => select.locator('option').count(), { timeout: 120_000 }).toBeGreaterThan(1);
    const synthetic = (await select.locator('option').allTextContents()).find((t) =>
      t.includes('10 classes'),
    );
    expect(synthetic).toBeDefined();
    await select.selectOption({ label: synthetic ?? '' });
    const before = await rows().count();
    await fileInput().setInputFiles({
      name: 'for-dataset.safetensors',
      mimeType: 'application/octet-stream',
      buffer: await readFile(fixture('vertex1.safetensors')),
    });
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(before + 1);
    expect(synthetic?.startsWith(await field(row('for-dataset'), 'dataset'))).toBe(true);
  });

  it('imports a file dropped on the import card', async () => {
    const before = await rows().count();
    const base64 = (await readFile(fixture('vertex2.safetensors'))).toString('base64');
    const transfer = await page.evaluateHandle((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const data = new DataTransfer();
      data.items.add(new File([bytes], 'dropped.safetensors'));
      return data;
    }, base64);
    await page.getByTestId('model-drop-zone').dispatchEvent('drop', { dataTransfer: transfer });
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(before + 1);
    expect(await field(row('dropped'), 'vertices')).toBe('1 vertex');
  });

  it('deletes a model after a second click, for good', async () => {
    const before = await rows().count();
    const button = row('for-dataset').getByRole('button', { name: 'Delete' });
    await button.click();
    await row('for-dataset').getByRole('button', { name: 'Really delete?' }).click();
    await expect.poll(() => rows().count(), { timeout: 30_000 }).toBe(before - 1);
    await page.reload();
    await expect.poll(() => rows().count(), { timeout: 60_000 }).toBe(before - 1);
    expect(await row('vertices').count()).toBe(1);
  });
});
