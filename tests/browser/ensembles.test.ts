// The Ensembles section in real Chromium (WebGPU on SwiftShader): two imports of the reference
// 3-vertex simplex (VGG16 width 1/8) evaluated as a two-component ensemble on 16 synthetic test
// images with M = 2 and temperature scaling; the table's rows, the plots' data, the CSV download;
// then one component under the five noise severities (8 images, M = 1: SwiftShader takes seconds
// per pass), and cancel.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type {} from '../../src/ui/debugHandle';
import { launchChromium, openStudio } from './chromium';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/reference');

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser, '#ensembles');
});
afterAll(async () => {
  await browser.close();
});

const rows = () => page.getByTestId('ensemble-row');
async function field(label: string, name: string): Promise<string> {
  const row = rows().filter({
    has: page.locator('[data-field="label"]', { hasText: new RegExp(`^${escape(label)}$`) }),
  });
  return ((await row.first().locator(`[data-field="${name}"]`).textContent()) ?? '').trim();
}
/** Points per trace of a Plotly chart (Plotly keeps its traces on the element as `data`). */
function traceLengths(id: string): Promise<number[]> {
  return page.getByTestId(`ensemble-chart-${id}`).evaluate((el) => {
    const traces = (el as HTMLElement & { data?: { x?: ArrayLike<unknown> }[] }).data ?? [];
    return traces.map((t) => t.x?.length ?? 0);
  });
}
const someData = (lengths: number[]) => lengths.some((n) => n > 0);
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('ensembles section', () => {
  it('imports the reference simplex twice', async () => {
    await expect
      .poll(() => page.evaluate(() => window.__studio !== undefined), { timeout: 60_000 })
      .toBe(true);
    const base64 = (await readFile(path.join(FIXTURES, 'vertices.safetensors'))).toString('base64');
    const names = await page.evaluate(async (base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const out: string[] = [];
      for (const fileName of ['simplex-a.safetensors', 'simplex-b.safetensors']) {
        const result = await window.__studio?.client.call('importModel', {
          file: new Blob([bytes]),
          fileName,
          usedWith: null,
        });
        out.push(result?.model.name ?? '');
      }
      return out;
    }, base64);
    expect(names).toEqual(['simplex-a', 'simplex-b']);
    await page.getByRole('button', { name: 'Refresh library' }).click();
    await expect.poll(() => page.getByTestId('ensemble-candidate').count(), { timeout: 120_000 }).toBe(2);
  });

  it('evaluates ESPRO, the deep ensemble and each component, and draws every plot', async () => {
    const dataset = page.getByLabel('Evaluation dataset');
    expect(await dataset.locator('option:checked').textContent()).toContain('Synthetic');
    // Library order is newest first: simplex-b is component #1.
    for (const name of ['simplex-b', 'simplex-a']) {
      await page.getByTestId('ensemble-candidate').filter({ hasText: name }).getByRole('checkbox').check();
    }
    await page.getByLabel('Points per simplex (M)').fill('2');
    await page.getByLabel('Test images (0 = all)').fill('16');
    await page.getByLabel('Temperature scaling').check();
    await page.getByLabel('Held-out train images').fill('16');
    expect(await page.getByTestId('ensemble-heldout').textContent()).toContain('last 16 images');
    await page.getByRole('button', { name: 'Evaluate 2 components' }).click();
    await expect.poll(() => rows().count(), { timeout: 280_000 }).toBeGreaterThan(0);

    const labels = await page.locator('[data-testid="ensemble-row"] [data-field="label"]').allTextContents();
    for (const want of [
      'ESPRO: 2 components × 2 points',
      'ESPRO: 1 component × 2 points',
      'ESPRO: 2 components × 1 point',
      'Deep ensemble: 2 base modes',
      '#1 simplex-b: 2 points',
      '#2 simplex-a: base mode',
      '#2 simplex-a: one random point per batch',
      'All components: one random point per batch (what the reference logs as test accuracy)',
    ]) {
      expect(labels, want).toContain(want);
    }
    // Clean: ESPRO at k = 1, 2 and at 1 point, deep at k = 1, 2, three per component, the
    // ensemble's random point; then six with a fitted temperature (ESPRO, deep, 2 × (alone, mode)).
    expect(labels).toHaveLength(3 + 2 + 6 + 1 + 6);
    expect(await field('ESPRO: 2 components × 2 points', 'condition')).toBe('clean');
    // Both components are the same weights: the deep ensemble of their modes is one mode.
    expect(await field('Deep ensemble: 2 base modes', 'error')).toBe(
      await field('#1 simplex-b: base mode', 'error'),
    );
    expect(await field('#1 simplex-b: base mode', 'nll')).toBe(await field('#2 simplex-a: base mode', 'nll'));
    const error = Number(await field('ESPRO: 2 components × 2 points', 'error'));
    expect(error).toBeGreaterThanOrEqual(0);
    expect(error).toBeLessThanOrEqual(100);
    const temperatures = await page
      .locator('[data-testid="ensemble-row"] [data-field="temperature"]')
      .allTextContents();
    expect(temperatures.filter((t) => Number(t) > 0).length).toBe(6);
    expect(await page.getByTestId('ensemble-summary').textContent()).toContain('train images 9984…9999');

    for (const id of ['error-components', 'nll-components', 'error-points', 'reliability']) {
      await expect.poll(() => traceLengths(id), { timeout: 60_000 }).toSatisfy(someData);
    }
    // Both traces are there, empty: the components' costs are unknown.
    await expect.poll(() => traceLengths('error-cost'), { timeout: 60_000 }).toEqual([0, 0]);
    // Imported models have no training settings: their cost is unknown, and so is the curve's.
    expect(await field('ESPRO: 2 components × 2 points', 'cost')).toBe('unknown');
  });

  it('exports the table as CSV with the same rows', async () => {
    const labels = await page.locator('[data-testid="ensemble-row"] [data-field="label"]').allTextContents();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('ensemble-synthetic.csv');
    const text = await readFile(await download.path(), 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'predictor,kind,component,components,points_per_simplex,noise_severity,noise_sigma,temperature,images,error,nll,brier,ece15,training_cost_images',
    );
    expect(lines).toHaveLength(labels.length + 1);
    const csvLabels = lines
      .slice(1)
      .map((l) => (l.startsWith('"') ? l.slice(1, l.indexOf('"', 1)) : l.split(',')[0]));
    expect(csvLabels).toEqual(labels);
    const espro = lines.find((l) => l.startsWith('ESPRO: 2 components × 2 points,espro,,2,2,0,0,,16,'));
    expect(espro).toBeDefined();
    const tableError = Number(await field('ESPRO: 2 components × 2 points', 'error'));
    expect(Number(espro?.split(',')[9]) * 100).toBeCloseTo(tableError, 1);
  });

  it('adds the noise rows and plots', async () => {
    await page
      .getByTestId('ensemble-candidate')
      .filter({ hasText: 'simplex-a' })
      .getByRole('checkbox')
      .uncheck();
    await page.getByLabel('Points per simplex (M)').fill('1');
    await page.getByLabel('Test images (0 = all)').fill('8');
    await page.getByLabel('Temperature scaling').uncheck();
    await page.getByLabel('Gaussian noise robustness').check();
    await page.getByRole('button', { name: 'Evaluate 1 component' }).click();
    await expect.poll(() => rows().count(), { timeout: 280_000 }).toBe(6 + 5 * 4);
    const conditions = await page
      .locator('[data-testid="ensemble-row"] [data-field="condition"]')
      .allTextContents();
    for (const [i, sigma] of [0.04, 0.06, 0.08, 0.09, 0.1].entries()) {
      expect(conditions.filter((c) => c === `noise ${i + 1} (σ ${sigma})`)).toHaveLength(4);
    }
    for (const id of ['error-noise', 'nll-noise']) {
      await expect.poll(() => traceLengths(id), { timeout: 60_000 }).toEqual([6, 6]);
    }
  });

  it('cancels a long evaluation and keeps the last report', async () => {
    const before = await rows().count();
    await page.getByLabel('Points per simplex (M)').fill('25');
    await page.getByLabel('Test images (0 = all)').fill('0');
    await page.getByRole('button', { name: 'Evaluate 1 component' }).click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect
      .poll(() => page.getByTestId('ensemble-error').textContent(), { timeout: 60_000 })
      .toBe('Evaluation cancelled.');
    expect(await rows().count()).toBe(before);
  });
});
