// The two backward passes of the convolutions on WebGPU, for real: the studio's (filter gradient as
// nine matrix products; the default on GPUs) and tfjs's kernels (the default on software
// adapters, so the other browser tests use them). Forced with ?conv=, the same tiny run must
// train to the same losses and weights within float32 rounding either way.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type {} from '../../src/ui/debugHandle';
import type { SafetensorsFile } from '../../src/engine/formats/safetensors';
import { defaultSettings, type TrainSettings } from '../../src/protocol/settings';
import { launchChromium, openStudio } from './chromium';
import { exportedTensors } from './exported';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

const settings: TrainSettings = {
  ...defaultSettings('base'),
  architecture: 'vgg11',
  widthScale: 0.125,
  batchSize: 8,
  baseEpochs: 2,
  trainLimit: 16,
  testLimit: 8,
  readEvery: 1,
};

interface Trained {
  shown: string;
  losses: number[];
  weights: SafetensorsFile;
}

async function trainWith(conv: 'studio' | 'tfjs'): Promise<Trained> {
  const page: Page = await openStudio(browser, `?conv=${conv}`);
  await page.getByTestId('backend-status').filter({ hasText: 'webgpu' }).waitFor({ timeout: 60_000 });
  const shown = (await page.getByTestId('conv-gradients').textContent()) ?? '';
  await page.evaluate(() => window.__studio?.client.call('listDatasets', {}));
  const run = await page.evaluate(
    (s) =>
      window.__studio?.client
        .call('createRun', { settings: s, name: 'conv' })
        .then((r) => window.__studio?.client.call('train', { runId: r.id })),
    settings,
  );
  expect(run?.status).toBe('done');
  const weights = await exportedTensors(page, run?.modelIds[0] ?? '');
  await page.context().close();
  return { shown, losses: run?.history.steps.map((s) => s.loss) ?? [], weights };
}

describe('convolution gradients on WebGPU', () => {
  it("train the same run to the same weights with the studio's and with tfjs's", async () => {
    const studio = await trainWith('studio');
    const tfjs = await trainWith('tfjs');
    expect(studio.shown).toContain('conv gradients: studio (forced by ?conv=)');
    expect(tfjs.shown).toContain('conv gradients: tfjs (forced by ?conv=)');

    expect(studio.losses).toHaveLength(4);
    expect(studio.losses.every(Number.isFinite)).toBe(true);
    studio.losses.forEach((loss, i) => {
      expect(Math.abs(loss - (tfjs.losses[i] ?? NaN))).toBeLessThan(1e-4 * Math.abs(loss));
    });
    // Four SGD steps at lr 0.05 move the weights by far more than float32 rounding of two
    // summation orders: a wrong gradient shows here as a difference of the update's size.
    expect([...studio.weights.tensors.keys()]).toEqual([...tfjs.weights.tensors.keys()]);
    for (const [name, t] of studio.weights.tensors) {
      const other = tfjs.weights.tensors.get(name)?.data ?? new Float32Array(0);
      const scale = Math.max(...t.data.map(Math.abs));
      const worst = Math.max(...t.data.map((v, i) => Math.abs(v - (other[i] ?? NaN))));
      expect(worst, name).toBeLessThan(1e-4 * scale);
    }
  }, 600_000);
});
