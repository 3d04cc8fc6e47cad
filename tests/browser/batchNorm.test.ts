// Batch-norm networks in the tab. A PreResNet-8 simplex of three vertices (an ESPRO component: a
// base vertex, then two added) trained through the Train section on the synthetic set, then a face
// of it in the Surfaces section with statistics recomputed at every point, and again with the
// stored ones (different numbers: the stored statistics were gathered at random draws). wasm
// trains it; the same run on WebGPU (the tfjs path: the compiled step runs VGG without batch norm
// only, and the status bar says so) reaches the CPU backend's losses, weights and running
// statistics, so train-mode batch norm and the evaluation with stored statistics hold there too.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type {} from '../../src/ui/debugHandle';
import { defaultSettings, type TrainSettings } from '../../src/protocol/settings';
import { launchChromium, openStudio } from './chromium';
import { plotTraces } from './plotTraces';
import { expectSameLosses, expectSameWeights, trainInTab } from './sameRun';
import { runCard, startForm } from './trainForm';

/** README_SHOTS=1 redraws the README's picture of the face, on a finer grid. */
const SHOTS = process.env.README_SHOTS === '1';
const GRID = SHOTS ? 15 : 5;

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser, '?backend=wasm#train');
});
afterAll(async () => {
  await browser.close();
});

/** The face plot's finite values once Plotly has drawn the whole grid. */
async function faceValues(): Promise<number[]> {
  const values = async () =>
    ((await plotTraces(page, 'surface-plot')).find((t) => t.type === 'contour')?.z?.flat() ?? []).filter(
      (x): x is number => typeof x === 'number',
    );
  await expect.poll(async () => (await values()).length, { timeout: 120_000 }).toBe(GRID * GRID);
  return values();
}

describe('a PreResNet-8 simplex', () => {
  it('trains in the Train section and draws a face with recomputed, then stored, statistics', async () => {
    // One XNNPACK thread on this machine: the convolutions and batch norm on the studio's kernels,
    // the shared-memory build where the tab is cross-origin isolated (tfjs-wasm's threaded build).
    await page.getByTestId('backend-status').filter({ hasText: 'wasm' }).waitFor({ timeout: 120_000 });
    await expect.poll(() => page.getByTestId('backend-status').innerText()).toContain('studio kernels');
    expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
    const form = startForm(page);
    await form.getByLabel('Procedure').selectOption('ensemble');
    await form.getByLabel('Architecture').selectOption('preresnet8');
    await form.getByLabel('Width scale').selectOption('0.5');
    await form.getByLabel('Batch size').fill('16');
    await form.getByLabel('Training images').fill('256');
    await form.getByLabel('Test images').fill('64');
    await form.getByLabel('Read metrics every').fill('4');
    await form.getByLabel('Components').fill('1');
    await form.getByLabel('Vertices to add').fill('2');
    await form.getByLabel('Base epochs').fill('2');
    await form.getByLabel('Epochs per vertex').fill('1');
    await form.getByLabel('Run name').fill('resnet simplex');
    await form.getByRole('button', { name: 'Start' }).click();
    const card = runCard(page, 'resnet simplex');
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 600_000 }).toBe('done');
    expect(await card.getByRole('alert').allInnerTexts()).toEqual([]);
    const library = await page.evaluate(() => window.__studio?.client.call('listModels', {}));
    const model = library?.models.find((m) => m.name === 'resnet simplex');
    expect(model).toMatchObject({
      spec: { architecture: 'preresnet8', widthScale: 0.5, numClasses: 10 },
      vertexCount: 3,
      complex: [[0, 1, 2]],
    });
    expect(model?.metrics?.testAccuracy).toBeGreaterThan(0.15);

    await page.evaluate(() => {
      window.location.hash = '#surfaces';
    });
    await page.getByTestId('surface-compute').waitFor({ timeout: 60_000 });
    const option = (await page.getByTestId('surface-model').locator('option').allTextContents()).find((t) =>
      t.startsWith('resnet simplex'),
    );
    await page.getByTestId('surface-model').selectOption({ label: option ?? '' });
    await page.getByTestId('surface-dataset').selectOption('synthetic');
    await page.getByTestId('surface-split').selectOption('test');
    await page.getByTestId('surface-grid-size').fill(String(GRID));
    await page.getByTestId('surface-images').fill('64');
    // The batch-norm fieldset shows for this model, recomputing by default.
    await expect.poll(() => page.getByTestId('surface-bn-statistics').inputValue()).toBe('recomputed');
    await page.getByTestId('surface-bn-batches').fill('2');
    await page.getByTestId('surface-compute').click();
    const recomputed = await faceValues();
    expect(recomputed.every(Number.isFinite)).toBe(true);
    if (SHOTS) {
      await page
        .locator('.card', { has: page.getByTestId('surface-plot') })
        .first()
        .screenshot({
          path: 'public/readme/preresnet-face.png',
        });
    }

    await page.getByTestId('surface-bn-statistics').selectOption('stored');
    await page.getByTestId('surface-compute').click();
    await expect
      .poll(async () => (await faceValues()).join(), { timeout: 120_000 })
      .not.toBe(recomputed.join());
    const stored = await faceValues();
    expect(stored.every(Number.isFinite)).toBe(true);
  }, 900_000);

  it('trains to the CPU backend’s losses, weights and running statistics on WebGPU', async () => {
    const settings: TrainSettings = {
      ...defaultSettings('ensemble'),
      architecture: 'preresnet8',
      widthScale: 0.5,
      batchSize: 8,
      components: 1,
      vertices: 1,
      baseEpochs: 1,
      epochsPerVertex: 1,
      nSample: 2,
      trainLimit: 16,
      testLimit: 8,
      readEvery: 1,
    };
    const cpu = await trainInTab(browser, '?backend=cpu', 'cpu', settings);
    const gpu = await trainInTab(browser, '?backend=webgpu', 'webgpu', settings);
    expect(gpu.stepShown).toContain('VGG-BN and PreResNet train on tfjs');
    expectSameLosses(gpu.losses, cpu.losses, 1e-3);
    expect([...gpu.weights.tensors.keys()]).toContain('net.layer1.0.bn1.running_var');
    expectSameWeights(gpu.weights, cpu.weights, 1e-3);
  }, 900_000);
});
