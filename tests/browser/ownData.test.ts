// MNIST-family datasets in real Chromium with real IndexedDB: Debian's official Fashion-MNIST files
// (all 70,000 images) imported through the page's file input, a second IDX dataset stored beside
// it under its own name, bad input that must leave both alone, and a run on an IDX dataset whose
// model follows the dataset's class count and carries its measured normalisation into the export.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser } from 'playwright-core';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, openStudio } from './chromium';
import { fillTinySettings, runCard, startForm } from './trainForm';
import { exportedTensors } from './exported';
import { card, counts, listDatasets } from './datasetCards';

const FASHION_DIR = '/usr/share/datasets/fashion-mnist';
const FASHION_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
].map((f) => path.join(FASHION_DIR, f));

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

function idxImages(count: number, pixel: (i: number, r: number, c: number) => number): Buffer {
  const out = Buffer.alloc(16 + count * 28 * 28);
  out.writeUInt32BE(0x803, 0);
  out.writeUInt32BE(count, 4);
  out.writeUInt32BE(28, 8);
  out.writeUInt32BE(28, 12);
  for (let i = 0; i < count; i++)
    for (let r = 0; r < 28; r++)
      for (let c = 0; c < 28; c++) out[16 + i * 784 + r * 28 + c] = pixel(i, r, c) & 0xff;
  return out;
}

function idxLabels(labels: readonly number[]): Buffer {
  const out = Buffer.alloc(8 + labels.length);
  out.writeUInt32BE(0x801, 0);
  out.writeUInt32BE(labels.length, 4);
  Buffer.from(labels).copy(out, 8);
  return out;
}

/** Three classes, 24 train and 9 test images: class c is bright in band c of the rows. */
function tinySet(testLabelCount = 9) {
  const label = (i: number) => i % 3;
  const image = (i: number) => (_i: number, r: number, c: number) =>
    Math.floor(r / 10) === label(i) ? 180 + ((c * 7 + i) % 60) : (r * 3 + c + i) % 40;
  const file = (name: string, buffer: Buffer) => ({ name, mimeType: 'application/octet-stream', buffer });
  return [
    file(
      'train-images-idx3-ubyte',
      idxImages(24, (i, r, c) => image(i)(i, r, c)),
    ),
    file('train-labels-idx1-ubyte', idxLabels(Array.from({ length: 24 }, (_, i) => label(i)))),
    file(
      't10k-images-idx3-ubyte',
      idxImages(9, (i, r, c) => image(i + 1)(i, r, c)),
    ),
    file('t10k-labels-idx1-ubyte', idxLabels(Array.from({ length: testLabelCount }, (_, i) => label(i + 1)))),
  ];
}

describe.runIf(existsSync(FASHION_DIR))('MNIST-family datasets', () => {
  it('imports all of Fashion-MNIST, keeps a second IDX set beside it, and refuses bad files', async () => {
    const page = await openStudio(browser);
    const input = page.getByTestId('dataset-file-input');
    await expect.poll(() => counts(page, 'synthetic'), { timeout: 120_000 }).toEqual(['10,000', '2,000']);

    await input.setInputFiles(FASHION_FILES);
    await expect
      .poll(() => counts(page, 'idx:fashion-mnist'), { timeout: 240_000 })
      .toEqual(['60,000', '10,000']);
    const verified = await page.evaluate(() =>
      window.__studio?.client.call('verifyDataset', { id: 'idx:fashion-mnist' }),
    );
    expect(verified?.splits.train).toEqual({ count: 60000, classCounts: new Array(10).fill(6000) });
    expect(verified?.splits.test).toEqual({ count: 10000, classCounts: new Array(10).fill(1000) });
    const fashion = (await listDatasets(page))?.find((d) => d.id === 'idx:fashion-mnist');
    expect(fashion?.name).toBe('Fashion-MNIST');
    expect(fashion?.classNames).toEqual([
      'T-shirt/top',
      'Trouser',
      'Pullover',
      'Dress',
      'Coat',
      'Sandal',
      'Shirt',
      'Sneaker',
      'Bag',
      'Ankle boot',
    ]);
    // Fashion-MNIST's 28×28 mean 0.2860 and std 0.3530, on the 32×32 canvas (240 black pixels more).
    for (const m of fashion?.normalisation.mean ?? []) expect(m).toBeCloseTo(0.219, 3);
    for (const s of fashion?.normalisation.std ?? []) expect(s).toBeCloseTo(0.3318, 3);
    await expect
      .poll(() => card(page, 'idx:fashion-mnist').locator('.histogram .bars path').count())
      .toBeGreaterThan(0);
    expect(await card(page, 'idx:fashion-mnist').getByTestId('sample-grid').locator('canvas').count()).toBe(
      32,
    );

    // A second dataset of the same kind, under its own name, beside the first.
    await page.getByTestId('dataset-name').fill('Bands');
    await input.setInputFiles(tinySet());
    await expect.poll(() => counts(page, 'idx:bands'), { timeout: 60_000 }).toEqual(['24', '9']);
    const before = await listDatasets(page);
    const bands = before?.find((d) => d.id === 'idx:bands');
    expect(bands?.classNames).toEqual(['0', '1', '2']);
    expect(bands?.splits.train.classCounts).toEqual([8, 8, 8]);
    expect(before?.find((d) => d.id === 'idx:fashion-mnist')).toEqual(fashion);

    // A label file whose count differs from its images: a clear message, nothing stored changes.
    await input.setInputFiles(tinySet(8));
    const alert = page.getByTestId('import-error');
    await expect
      .poll(() => alert.textContent(), { timeout: 60_000 })
      .toContain('t10k-labels-idx1-ubyte holds 8 labels but t10k-images-idx3-ubyte holds 9 images');
    expect(await listDatasets(page)).toEqual(before);

    // Deleting one leaves the other.
    await card(page, 'idx:bands').getByRole('button', { name: 'Delete Bands…' }).click();
    await card(page, 'idx:bands').getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(async () => (await listDatasets(page))?.map((d) => d.id)).not.toContain('idx:bands');
    expect((await listDatasets(page))?.find((d) => d.id === 'idx:fashion-mnist')).toEqual(fashion);
    await page.context().close();
  }, 600_000);
});

describe('a run on an IDX dataset', () => {
  it('gets the dataset class count and exports its measured normalisation', async () => {
    // What is checked here (the model's class count, the normalisation it exports) is the same on
    // every backend; wasm trains without compiling shaders, which WebGL and WebGPU on SwiftShader
    // take most of a minute for. rowKernels.test.ts trains on both of those.
    const page = await openStudio(browser, '?backend=wasm');
    await page.getByTestId('dataset-name').fill('Bands');
    await page.getByTestId('dataset-file-input').setInputFiles(tinySet());
    await expect.poll(() => counts(page, 'idx:bands'), { timeout: 120_000 }).toEqual(['24', '9']);
    const bands = (await listDatasets(page))?.find((d) => d.id === 'idx:bands');
    expect(bands?.normalisation.mean[0]).toBeGreaterThan(0);
    expect(bands?.normalisation.mean[0]).not.toBeCloseTo(0.485, 2);

    await page.evaluate(() => {
      window.location.hash = '#train';
    });
    const form = startForm(page);
    await form.waitFor({ timeout: 60_000 });
    await form.getByLabel('Dataset').selectOption('idx:bands');
    await form.getByLabel('Base epochs').fill('1');
    await fillTinySettings(form, { name: 'bands base', trainImages: 16, testImages: 8 });
    await form.getByRole('button', { name: 'Start' }).click();
    await expect
      .poll(() => runCard(page, 'bands base').getAttribute('data-status'), { timeout: 240_000 })
      .toBe('done');

    const library = await page.evaluate(() => window.__studio?.client.call('listModels', {}));
    const made = library?.models.find((m) => m.name === 'bands base');
    expect(made?.spec.numClasses).toBe(3);
    expect(made?.dataset).toEqual({ id: 'idx:bands', name: 'Bands' });
    expect(made?.normalisation).toEqual(bands?.normalisation);
    const file = await exportedTensors(page, made?.id ?? '');
    expect(JSON.parse(file.metadata.normalisation ?? 'null')).toEqual(bands?.normalisation);
    expect(JSON.parse(file.metadata.classes ?? 'null')).toBe(3);
    await page.context().close();
  }, 600_000);
});
