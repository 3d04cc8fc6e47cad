// "Reproduce the paper" in the Ensembles section, in real Chromium on wasm at a tiny scale: two DE
// members and two ESPRO members trained one after another as ordinary runs on the built-in synthetic
// set, then the table and charts of both methods for k = 1, 2. The DE rows are checked against the
// worker's other way of averaging base models (the report's deep-ensemble row).

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type {} from '../../src/ui/debugHandle';
import { launchChromium, openStudio } from './chromium';
import { plotTraces } from './plotTraces';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

describe('reproduce the paper in the tab', () => {
  it('trains DE and ESPRO members and reports both for each k', async () => {
    const page = await openStudio(browser, '?backend=wasm#ensembles');
    const card = page.getByTestId('reproduce-card');
    await card.locator('#reproduce-preset').selectOption('small');
    for (const [field, value] of [
      ['members', '2'],
      ['baseEpochs', '1'],
      ['trainLimit', '64'],
      ['points', '2'],
    ] as const) {
      await page.getByTestId(`reproduce-${field}`).fill(value);
    }
    const start = card.getByRole('button', { name: 'Reproduce the paper' });
    await expect.poll(() => start.isEnabled(), { timeout: 120_000 }).toBe(true);
    await start.click();
    await expect
      .poll(() => card.getAttribute('data-phase'), { timeout: 400_000, interval: 500 })
      .toBe('done');

    const members = await card
      .getByTestId('reproduce-member')
      .evaluateAll((els) => els.map((e) => `${e.textContent}|${e.getAttribute('data-state') ?? ''}`));
    expect(members).toEqual([
      'DE 1: done|done',
      'DE 2: done|done',
      'ESPRO 1: done|done',
      'ESPRO 2: done|done',
    ]);
    const rows = await card
      .getByTestId('reproduce-table')
      .locator('tbody tr')
      .evaluateAll((els) =>
        els.map((e) => ({
          method: e.getAttribute('data-method'),
          k: Number(e.getAttribute('data-k')),
          error: Number(e.getAttribute('data-error')),
          nll: Number(e.getAttribute('data-nll')),
        })),
      );
    expect(rows.map((r) => `${r.method ?? ''}${r.k}`)).toEqual(['DE1', 'ESPRO1', 'DE2', 'ESPRO2']);

    // The four runs are ordinary runs, and the models they made are in the library.
    const runs = await page.evaluate(async () => {
      const client = window.__studio?.client;
      if (!client) throw new Error('no debug handle');
      return (await client.call('listRuns', {})).map((r) => ({
        name: r.name,
        status: r.status,
        model: r.modelIds[0] ?? '',
        procedure: r.settings.procedure,
        vertices: r.settings.vertices,
        components: r.settings.components,
      }));
    });
    const de = runs.filter((r) => r.name.endsWith(': DE 1') || r.name.endsWith(': DE 2')).reverse();
    expect(de.map((r) => `${r.procedure} ${r.status}`)).toEqual(['base done', 'base done']);
    const espro = runs.filter((r) => r.name.includes(': ESPRO'));
    expect(espro.map((r) => `${r.procedure} ${r.components} ${r.vertices}`)).toEqual([
      'ensemble 1 2',
      'ensemble 1 2',
    ]);

    // DE at k = 2 as the worker's deep-ensemble row of the same two models computes it.
    const direct = await page.evaluate(
      async (models) => {
        const client = window.__studio?.client;
        if (!client) throw new Error('no debug handle');
        const report = await client.call('evaluateEnsemble', {
          components: models.map((modelId) => ({ modelId, simplex: 0 })),
          datasetId: 'synthetic',
          pointsPerSimplex: 1,
          testLimit: 0,
          heldOut: 0,
          noise: false,
          seed: 1,
          batchSize: 128,
        });
        const row = report.rows.find(
          (r) => r.kind === 'deepEnsemble' && r.components === 2 && r.severity === 0,
        );
        return { error: row?.error, nll: row?.nll };
      },
      de.map((r) => r.model),
    );
    const de2 = rows.find((r) => r.method === 'DE' && r.k === 2);
    expect(de2?.error).toBeCloseTo(direct.error ?? NaN, 10);
    expect(de2?.nll).toBeCloseTo(direct.nll ?? NaN, 6);

    // The CSV download: a row per method and k, as the CLI's report.csv.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      card.getByRole('button', { name: 'Download as CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('reproduce-Synthetic_built-in.csv');
    const csv = (await readFile(await download.path(), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('seed,method,k,error,nll,ece,brier,epochs,images,seconds');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([
      '1,DE,1',
      '1,DE,2',
      '1,ESPRO,1',
      '1,ESPRO,2',
    ]);

    const error = await plotTraces(page, 'reproduce-chart-error');
    expect(error.map((t) => [t.name, Array.from(t.x ?? [])])).toEqual([
      ['DE', [1, 2]],
      ['ESPRO', [1, 2]],
    ]);
    await page.context().close();
  }, 600_000);
});
