// The `reproduce` command's HTML report opened as a user opens it: a file on disk, in Chromium with
// every network request refused. Its table and its three Plotly charts are drawn from the page
// alone (Plotly inlined), with the mean over seeds of each method at each k.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { reportHtml, type ReproduceReport, type ReproduceRow } from '../../src/protocol/reproduceReport';
import { launchChromium } from './chromium';
import type { Trace } from './plotTraces';

let browser: Browser;
const dir = mkdtempSync(path.join(tmpdir(), 'reproduce-report-'));
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
});

function row(seed: number, method: 'DE' | 'ESPRO', k: number, error: number): ReproduceRow {
  return {
    seed,
    method,
    k,
    error,
    nll: error * 3,
    ece: 0.01,
    brier: error * 1.5,
    epochs: 3 * k,
    images: 60_000 * k,
    seconds: 100 * k,
  };
}

describe('the reproduce report', () => {
  it('draws its table and charts offline, from the file alone', async () => {
    const report: ReproduceReport = {
      preset: 'cpu',
      dataset: 'Fashion-MNIST <test>',
      testImages: 10_000,
      points: 10,
      rows: [
        row(1, 'DE', 1, 0.12),
        row(1, 'DE', 2, 0.1),
        row(2, 'DE', 1, 0.14),
        row(2, 'DE', 2, 0.12),
        row(1, 'ESPRO', 1, 0.1),
        row(2, 'ESPRO', 1, 0.12),
      ],
      members: [
        {
          id: 'seed-2/espro-2',
          seed: 2,
          method: 'ESPRO',
          index: 2,
          state: 'missing',
          note: 'error: DIVERGED: …',
        },
      ],
      createdAt: '2026-12-07T00:00:00Z',
    };
    const plotly = readFileSync(createRequire(import.meta.url).resolve('plotly.js-dist-min'), 'utf8');
    const file = path.join(dir, 'report.html');
    writeFileSync(file, reportHtml(report, plotly));

    const context = await browser.newContext();
    const page = await context.newPage();
    const requests: string[] = [];
    await context.route('**/*', async (route) => {
      if (route.request().url().startsWith('file:')) return route.continue();
      requests.push(route.request().url());
      return route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`file://${file}`);

    const traces = (id: string) =>
      page.locator(`#${id}`).evaluate((el) => (el as HTMLElement & { data?: Trace[] }).data ?? []);
    await expect.poll(async () => (await traces('chart-error')).length, { timeout: 30_000 }).toBe(2);
    const [de, espro] = await traces('chart-error');
    expect(de?.name).toBe('DE');
    expect(Array.from(de?.x ?? [])).toEqual([1, 2]);
    // Means over the two seeds, in percent.
    const [de1, de2] = Array.from(de?.y ?? []);
    expect(de1).toBeCloseTo(13, 10);
    expect(de2).toBeCloseTo(11, 10);
    expect(Array.from(espro?.y ?? [])).toHaveLength(1);
    expect(espro?.y?.[0]).toBeCloseTo(11, 10);
    expect(await traces('chart-nll')).toHaveLength(2);
    expect(Array.from((await traces('chart-cost'))[0]?.x ?? [])).toEqual([100, 200, 100, 200]);
    // Plotly drew SVG into each chart.
    expect(await page.locator('.js-plotly-plot .main-svg').count()).toBeGreaterThanOrEqual(3);

    const table = await page.locator('table tr').allTextContents();
    expect(table).toHaveLength(4);
    expect(table[1]).toMatch(/^1DE213\.00 ± 1\.41/);
    expect(await page.locator('h1').textContent()).toBe('Deep ensembles against ESPRO');
    // File text is shown as text, never as markup.
    expect(await page.locator('p').first().textContent()).toContain('Fashion-MNIST <test>');
    expect(await page.locator('body').textContent()).toContain('seed-2/espro-2 (error: DIVERGED: …)');
    expect({ requests, errors }).toEqual({ requests: [], errors: [] });
    await context.close();
  }, 120_000);
});
