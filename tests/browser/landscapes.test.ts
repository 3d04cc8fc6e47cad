// The Landscapes card in real Chromium on WebGPU: two tiny base runs trained in the worker (one
// keeping its training path), then each of the three pictures drawn through the form, and the
// plotted values read back from Plotly: the interpolation passes through each model's own loss at
// its end and reports its barrier, the random plane's centre is the first model's loss again, the
// path is drawn on its PCA plane, a click is evaluated, and the .h5 export is read by h5py.

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { defaultSettings, type TrainSettings } from '../../src/protocol/settings';
import type {} from '../../src/ui/debugHandle';
import { launchChromium, openStudio } from './chromium';
import { plotTraces } from './plotTraces';

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser, '#surfaces');
});
afterAll(async () => {
  await browser.close();
});

const tiny = (seed: number, keepPath: boolean): TrainSettings => ({
  ...defaultSettings('base'),
  architecture: 'vgg11',
  widthScale: 0.125,
  seed,
  batchSize: 16,
  baseEpochs: 3,
  trainLimit: 64,
  testLimit: 16,
  readEvery: 4,
  keepPath,
});

const card = () => page.getByTestId('landscapes');
const status = () => card().getByTestId('landscape-status');

async function compute(): Promise<void> {
  await card().getByTestId('landscape-compute').click();
  await expect.poll(() => status().textContent(), { timeout: 300_000 }).toMatch(/^Computed/);
}

describe('landscapes', () => {
  let ends: [number, number] = [NaN, NaN];

  it('draws the straight line between two trained models with the barrier its values give', async () => {
    const runs = await page.evaluate(
      async (settings) => {
        const client = window.__studio?.client;
        if (!client) throw new Error('no studio');
        const out = [];
        for (const [i, s] of settings.entries()) {
          const run = await client.call('createRun', { settings: s, name: `landscape ${i + 1}` });
          out.push(await client.call('train', { runId: run.id }));
        }
        return out.map((r) => r.status);
      },
      [tiny(1, true), tiny(2, false)],
    );
    expect(runs).toEqual(['done', 'done']);
    await page.reload();
    await card().getByTestId('landscape-kind').selectOption('interpolation');
    await card().getByTestId('landscape-a').selectOption({ label: 'landscape 1' });
    await card().getByTestId('landscape-b').selectOption({ label: 'landscape 2' });
    await card().getByTestId('landscape-dataset').selectOption('synthetic');
    await card().getByTestId('landscape-splits').selectOption('train');
    await card().getByTestId('landscape-images').fill('32');
    await card().getByTestId('landscape-points').fill('7');
    await compute();
    const traces = await plotTraces(page, 'landscape-plot');
    const loss = traces.find((t) => t.name === 'train loss');
    expect(Array.from(loss?.x ?? [])).toEqual([-0.25, 0, 0.25, 0.5, 0.75, 1, 1.25]);
    const y = Array.from(loss?.y ?? []);
    expect(y.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    // The barrier the page states is the one its plotted values give.
    const line = (t: number) => (1 - t) * (y[1] as number) + t * (y[5] as number);
    const barrier = Math.max(...[1, 2, 3, 4, 5].map((i) => (y[i] as number) - line(i * 0.25 - 0.25)));
    const text = (await card().getByTestId('landscape-barrier').textContent()) ?? '';
    expect(Number(/train loss ([\d.e+-]+)/.exec(text)?.[1])).toBeCloseTo(barrier, 3);
    ends = [y[1] as number, y[5] as number];
  }, 900_000);

  it('draws a filter-normalised random plane through the model, evaluates a click, and exports an .h5', async () => {
    await card().getByTestId('landscape-kind').selectOption('random');
    await card().getByTestId('landscape-a').selectOption({ label: 'landscape 1' });
    await card().getByTestId('landscape-splits').selectOption('train');
    await card().getByTestId('landscape-images').fill('32');
    await card().getByTestId('landscape-points').fill('5');
    await compute();
    const [surface] = await plotTraces(page, 'landscape-plot');
    expect(surface?.type).toBe('contour');
    expect(Array.from(surface?.x ?? [])).toEqual([-1, -0.5, 0, 0.5, 1]);
    const z = surface?.z ?? [];
    // The plane's centre is the model itself: the interpolation's value at t = 0.
    expect(z[2]?.[2]).toBeCloseTo(ends[0], 4);
    // Away from the model the loss rises (a trained model sits in a basin of its own directions).
    expect(Math.max(z[0]?.[0] ?? 0, z[4]?.[4] ?? 0, z[0]?.[4] ?? 0, z[4]?.[0] ?? 0)).toBeGreaterThan(
      z[2]?.[2] ?? Infinity,
    );

    await card()
      .getByTestId('landscape-plot')
      .click({ position: { x: 300, y: 250 } });
    await expect
      .poll(() => card().getByTestId('landscape-point').textContent(), { timeout: 120_000 })
      .toMatch(/^At \(.+\): loss [\d.]+, accuracy [\d.]+% on 32 train images\./);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card().getByTestId('landscape-export-h5').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/_random_5x5\.h5$/);
    const file = await download.path();
    const read = JSON.parse(
      execFileSync(
        '/usr/bin/python3',
        [
          '-c',
          'import h5py, json, sys; f = h5py.File(sys.argv[1]); print(json.dumps({k: f[k][()].tolist() for k in f}))',
          file,
        ],
        { encoding: 'utf8' },
      ),
    ) as Record<string, number[] | number[][]>;
    expect(Object.keys(read).sort()).toEqual(['train_acc', 'train_loss', 'xcoordinates', 'ycoordinates']);
    expect((read.train_loss as number[][])[2]?.[2]).toBeCloseTo(z[2]?.[2] ?? NaN, 5);
  }, 900_000);

  it('draws a training path on its PCA plane', async () => {
    await card().getByTestId('landscape-kind').selectOption('path');
    await card().getByTestId('landscape-run').selectOption({ label: 'landscape 1 (3 epochs kept)' });
    await card().getByTestId('landscape-splits').selectOption('train');
    await card().getByTestId('landscape-images').fill('32');
    await card().getByTestId('landscape-points').fill('5');
    await compute();
    const traces = await plotTraces(page, 'landscape-plot');
    const path = traces.find((t) => t.name === 'training path');
    expect(path?.text).toEqual(['1', '2', '3']);
    // The last epoch is the plane's origin.
    expect(Array.from(path?.x ?? [])[2]).toBeCloseTo(0, 6);
    const xs = Array.from(traces[0]?.x ?? []);
    for (const x of Array.from(path?.x ?? [])) {
      expect(x).toBeGreaterThanOrEqual(xs[0] as number);
      expect(x).toBeLessThanOrEqual(xs[xs.length - 1] as number);
    }
    expect(await card().getByTestId('landscape-explained').textContent()).toMatch(
      /explain [\d.]+% and [\d.]+% of its variance \(3 epochs\)/,
    );
  }, 900_000);
});
