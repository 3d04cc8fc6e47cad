// Image folders in real Chromium with real IndexedDB: tests/fixtures/image-folder/shapes picked as
// a folder (the page's webkitdirectory input), dropped as a folder (a DevTools-protocol drop, which
// gives the page real directory entries) and as a .zip, decoded by the browser's own decoder
// in the worker, stored side by side under their names; a corrupt archive that must leave both
// alone. The test split's records are checked against the Node importer's (libpng-checked decoder).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { launchChromium, openStudio } from './chromium';
import { fillTinySettings, runCard, startForm } from './trainForm';
import { exportedTensors } from './exported';
import { counts, listDatasets } from './datasetCards';
import { importImageFolder, zipFolderFiles } from '../../src/engine/formats/imageFolderImport';
import { decodePng } from '../../src/engine/formats/png';

const FIXTURES = path.resolve('tests/fixtures/image-folder');

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

async function testRecords(page: Page, id: string): Promise<{ images: number[]; labels: number[] }> {
  const got = await page.evaluate(
    (id) => window.__studio?.client.call('datasetSamples', { id, split: 'test', count: 2 }),
    id,
  );
  return { images: Array.from(got?.images ?? []), labels: Array.from(got?.labels ?? []) };
}

/** The test split as the Node importer makes it from the zip. */
async function nodeTestRecords(): Promise<{ images: number[]; labels: number[] }> {
  const bytes = new Uint8Array(readFileSync(path.join(FIXTURES, 'shapes.zip')));
  const files = await zipFolderFiles({
    name: 'shapes.zip',
    size: bytes.length,
    read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
  });
  const images: number[] = [];
  const labels: number[] = [];
  for await (const event of importImageFolder(files, decodePng)) {
    if (event.type === 'records' && event.chunk.split === 'test') {
      images.push(...event.chunk.images);
      labels.push(...event.chunk.labels);
    }
  }
  return { images, labels };
}

describe('image-folder datasets', () => {
  it('imports a picked folder and a zip of it, and refuses a corrupt zip without losing either', async () => {
    const page = await openStudio(browser);
    await expect.poll(() => counts(page, 'synthetic'), { timeout: 120_000 }).toEqual(['10,000', '2,000']);

    // The folder: Chromium decodes the JPEG too; broken.png and README.txt are skipped.
    await page.getByTestId('dataset-folder-input').setInputFiles(path.join(FIXTURES, 'shapes'));
    await expect.poll(() => counts(page, 'folder:shapes'), { timeout: 120_000 }).toEqual(['9', '2']);
    const shapes = (await listDatasets(page))?.find((d) => d.id === 'folder:shapes');
    expect(shapes).toMatchObject({ kind: 'folder', name: 'shapes', classNames: ['circle', 'square'] });
    expect(shapes?.splits.train.classCounts).toEqual([6, 3]);
    expect(shapes?.warnings.join(' ')).toContain('2 files skipped');
    for (const s of shapes?.normalisation.std ?? []) expect(s).toBeGreaterThan(0);

    // The zip, under a name of its own.
    await page.getByTestId('dataset-name').fill('Shapes zip');
    await page.getByTestId('dataset-file-input').setInputFiles(path.join(FIXTURES, 'shapes.zip'));
    await expect.poll(() => counts(page, 'folder:shapes zip'), { timeout: 120_000 }).toEqual(['9', '2']);

    // Both hold the records the Node importer makes (16-bit samples may round the other way).
    const want = await nodeTestRecords();
    for (const id of ['folder:shapes', 'folder:shapes zip']) {
      const got = await testRecords(page, id);
      expect(got.labels).toEqual(want.labels);
      expect(got.images.length).toBe(want.images.length);
      const worst = Math.max(...got.images.map((v, i) => Math.abs(v - (want.images[i] ?? NaN))));
      expect(worst).toBeLessThanOrEqual(1);
    }

    // A zip cut short: a clear message, and the stored datasets stay as they were.
    const before = await listDatasets(page);
    const whole = readFileSync(path.join(FIXTURES, 'shapes.zip'));
    await page.getByTestId('dataset-file-input').setInputFiles({
      name: 'cut.zip',
      mimeType: 'application/zip',
      buffer: whole.subarray(0, whole.length - 40),
    });
    await expect
      .poll(() => page.getByTestId('import-error').textContent(), { timeout: 60_000 })
      .toContain('cut.zip');
    expect(await listDatasets(page)).toEqual(before);
    await page.context().close();
  }, 600_000);

  it('imports a folder dropped on the drop zone, read through its directory entries', async () => {
    const page = await openStudio(browser);
    await expect.poll(() => counts(page, 'synthetic'), { timeout: 120_000 }).toEqual(['10,000', '2,000']);

    // A drop of the folder itself, as a file manager makes it: Chromium hands the page a directory
    // entry (webkitGetAsEntry().isDirectory) when the DevTools protocol drops a path that is a folder.
    const zone = page.getByTestId('drop-zone');
    await zone.scrollIntoViewIfNeeded();
    const box = await zone.boundingBox();
    if (!box) throw new Error('the drop zone is not on screen');
    const cdp = await page.context().newCDPSession(page);
    const data = { items: [], files: [path.join(FIXTURES, 'shapes')], dragOperationsMask: 1 };
    for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
      await cdp.send('Input.dispatchDragEvent', {
        type,
        x: box.x + box.width / 2,
        y: box.y + box.height / 2,
        data,
      });
    }

    await expect.poll(() => counts(page, 'folder:shapes'), { timeout: 120_000 }).toEqual(['9', '2']);
    const shapes = (await listDatasets(page))?.find((d) => d.id === 'folder:shapes');
    expect(shapes).toMatchObject({ kind: 'folder', name: 'shapes', classNames: ['circle', 'square'] });
    expect(shapes?.splits.train.classCounts).toEqual([6, 3]);
    expect(shapes?.warnings.join(' ')).toContain('2 files skipped');
    const want = await nodeTestRecords();
    const got = await testRecords(page, 'folder:shapes');
    expect(got.labels).toEqual(want.labels);
    const worst = Math.max(...got.images.map((v, i) => Math.abs(v - (want.images[i] ?? NaN))));
    expect(worst).toBeLessThanOrEqual(1);
    await page.context().close();
  }, 600_000);

  it('trains a run on an image folder with its class count and measured normalisation', async () => {
    // What is checked here (the model's class count, the normalisation it exports) is the same on
    // every backend; wasm trains without compiling shaders, which WebGL and WebGPU on SwiftShader
    // take most of a minute for. rowKernels.test.ts trains on both of those.
    const page = await openStudio(browser, '?backend=wasm');
    await page.getByTestId('dataset-file-input').setInputFiles(path.join(FIXTURES, 'flat.zip'));
    // flat/ has no train/ and test/: the studio sets a seeded sixth of each class aside.
    await expect.poll(() => counts(page, 'folder:flat'), { timeout: 120_000 }).toEqual(['7', '2']);
    const flat = (await listDatasets(page))?.find((d) => d.id === 'folder:flat');
    expect(flat?.warnings.join(' ')).toContain('set aside for testing');

    await page.evaluate(() => {
      window.location.hash = '#train';
    });
    const form = startForm(page);
    await form.waitFor({ timeout: 60_000 });
    await form.getByLabel('Dataset').selectOption('folder:flat');
    await form.getByLabel('Base epochs').fill('1');
    await fillTinySettings(form, { name: 'flat base', trainImages: 6, testImages: 2 });
    await form.getByLabel('Batch size').fill('3');
    await form.getByRole('button', { name: 'Start' }).click();
    await expect
      .poll(() => runCard(page, 'flat base').getAttribute('data-status'), { timeout: 240_000 })
      .toBe('done');

    const library = await page.evaluate(() => window.__studio?.client.call('listModels', {}));
    const made = library?.models.find((m) => m.name === 'flat base');
    expect(made?.spec.numClasses).toBe(2);
    expect(made?.dataset).toEqual({ id: 'folder:flat', name: 'flat' });
    const file = await exportedTensors(page, made?.id ?? '');
    expect(JSON.parse(file.metadata.normalisation ?? 'null')).toEqual(flat?.normalisation);
    expect(JSON.parse(file.metadata.classes ?? 'null')).toBe(2);
    await page.context().close();
  }, 600_000);
});
