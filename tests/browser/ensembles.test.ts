// The Ensembles section in real Chromium (WebGPU on SwiftShader): two imports of the reference
// 3-vertex simplex (VGG16 width 1/8) evaluated as a two-component ensemble on 16 synthetic test
// images with M = 2 and temperature scaling; the table's rows, the plots' data, the CSV download;
// then one component under the five noise severities (8 images, M = 1: SwiftShader takes seconds
// per pass), and cancel. Then, in a fresh tab on wasm, tiny models trained in the Train section (a
// base model, an ESPRO ensemble, a simplex around the base) compared with their training costs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
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
/** A cell of the first table row with this label (of the first tab unless `tab` is given). */
async function field(label: string, name: string, tab: Page = page): Promise<string> {
  const row = tab.getByTestId('ensemble-row').filter({
    has: tab.locator('[data-field="label"]', { hasText: new RegExp(`^${escape(label)}$`) }),
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

// Training cost (README, src/engine/eval/trainingCost.ts): epochs × images per epoch × draws per
// batch, images per epoch = ⌊trainLimit / batch⌋ · batch (the partial last batch is dropped):
// trainLimit 20 in batches of 16 gives 16 images per epoch, 12 in batches of 8 gives 8. Each run's
// own history must agree (what it really trained), and the Ensembles section must show the same.
const BASE_COST = 1 * 16; // 1 base epoch
const ESPRO_COST = 1 * 16 + 1 * 16 * 2; // per component: 1 base epoch, 1 vertex epoch × 2 draws
const SIMPLEX_COST = BASE_COST + 1 * 8 * 3; // its mode, then 1 vertex epoch × 3 draws
const SLOW = 600_000;

describe('ensembles of models trained in the studio', () => {
  let tab: Page;
  beforeAll(async () => {
    // The costs, the table and the cost axis are the same on every backend; wasm trains the three
    // runs without compiling shaders (on SwiftShader's WebGPU, two minutes of the test). WebGPU's
    // ensemble evaluation is the first describe's; its training, train.test.ts's and procedures'.
    tab = await openStudio(browser, '?backend=wasm#train');
  });
  afterAll(async () => {
    await tab.context().close();
  });

  const startForm = () => tab.getByRole('form', { name: 'Start a run' });
  const runCard = (name: string) => tab.getByRole('article', { name: `Run ${name}` });

  /** VGG11 at width 1/8, 8 test images per epoch. */
  async function fillTiny(form: Locator, name: string, trainImages: number, batch: number): Promise<void> {
    await form.getByLabel('Architecture').selectOption('vgg11');
    await form.getByLabel('Width scale').selectOption('0.125');
    await form.getByLabel('Batch size').fill(String(batch));
    await form.getByLabel('Training images').fill(String(trainImages));
    await form.getByLabel('Test images').fill('8');
    await form.getByLabel('Run name').fill(name);
  }

  /**
   * Trains the run through the Start button, then counts the images it really passed forward and
   * backward from its stored epochs: optimizer steps per stage × batch × the stage's draws.
   */
  async function train(name: string, draws: (stage: number) => number): Promise<number> {
    await startForm().getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => runCard(name).getAttribute('data-status'), { timeout: SLOW }).toBe('done');
    const runs = await tab.evaluate(() => window.__studio?.client.call('listRuns', {}));
    const run = runs?.find((r) => r.name === name);
    let seen = 0;
    let before = 0;
    for (const { stage, step } of run?.history.epochs ?? []) {
      seen += (step - before) * (run?.settings.batchSize ?? 0) * draws(stage);
      before = step;
    }
    return seen;
  }

  it(
    'trains a base model, an ESPRO ensemble and a simplex around the base in the Train section',
    async () => {
      const form = startForm();
      await form.waitFor({ timeout: 120_000 });
      await form.getByLabel('Procedure').selectOption('base');
      await form.getByLabel('Base epochs').fill('1');
      await fillTiny(form, 'cost base', 20, 16);
      expect(await train('cost base', () => 1)).toBe(BASE_COST);

      await form.getByLabel('Procedure').selectOption('ensemble');
      await form.getByLabel('Components').fill('2');
      await form.getByLabel('Vertices to add').fill('1');
      await form.getByLabel('Base epochs').fill('1');
      await form.getByLabel('Epochs per vertex').fill('1');
      await form.getByLabel('Draws per batch (n_sample)').fill('2');
      await fillTiny(form, 'cost espro', 20, 16);
      // Stages: component 1's base vertex, its added vertex, then component 2's.
      expect(await train('cost espro', (stage) => (stage % 2 === 1 ? 2 : 1))).toBe(2 * ESPRO_COST);

      await form.getByLabel('Procedure').selectOption('simplex');
      await form.getByRole('radio', { name: /cost base/ }).check();
      await form.getByLabel('Vertices to add').fill('1');
      await form.getByLabel('Epochs per vertex').fill('1');
      await form.getByLabel('Draws per batch (n_sample)').fill('3');
      await fillTiny(form, 'cost simplex', 12, 8);
      expect(await train('cost simplex', () => 3)).toBe(SIMPLEX_COST - BASE_COST);
    },
    SLOW * 2,
  );

  it(
    'shows their real training costs in the table and on the cost axis, with finite metrics',
    async () => {
      await tab.getByRole('link', { name: 'Ensembles' }).click();
      await tab.getByRole('button', { name: 'Refresh library' }).click();
      // Newest first: the simplex, the ensemble's two simplexes, the base model.
      const candidates = tab.getByTestId('ensemble-candidate');
      await expect.poll(() => candidates.count(), { timeout: 60_000 }).toBe(4);
      for (const name of ['cost simplex', 'cost espro', 'cost base']) {
        for (const box of await candidates.filter({ hasText: name }).getByRole('checkbox').all()) {
          await box.check();
        }
      }
      await tab.getByLabel('Points per simplex (M)').fill('2');
      await tab.getByLabel('Test images (0 = all)').fill('8');
      await tab.getByLabel('Temperature scaling').check();
      await tab.getByLabel('Held-out train images').fill('8');
      await tab.getByRole('button', { name: 'Evaluate 4 components' }).click();
      const tableRows = tab.getByTestId('ensemble-row');
      await expect.poll(() => tableRows.count(), { timeout: 280_000 }).toBeGreaterThan(0);

      const cell = (label: string, name: string) => field(label, name, tab);
      // Each component alone costs what its run trained; its base mode what that mode's run did.
      for (const [label, cost, mode] of [
        ['#1 cost simplex', SIMPLEX_COST, BASE_COST],
        ['#2 cost espro [simplex 0]', ESPRO_COST, BASE_COST],
        ['#3 cost espro [simplex 1]', ESPRO_COST, BASE_COST],
      ] as const) {
        expect(await cell(`${label}: 2 points`, 'cost'), label).toBe(String(cost));
        expect(await cell(`${label}: base mode`, 'cost'), label).toBe(String(mode));
      }
      // The base model is one vertex: its points are its mode, so it has that one row.
      expect(await cell('#4 cost base: base mode', 'cost')).toBe(String(BASE_COST));
      expect(
        await tab.getByTestId('ensemble-row').filter({ hasText: '#4 cost base: 2 points' }).count(),
      ).toBe(0);
      // The first k components, summed.
      const esproCosts = [SIMPLEX_COST, ESPRO_COST, ESPRO_COST, BASE_COST].map((_, k, all) =>
        all.slice(0, k + 1).reduce((s, c) => s + c, 0),
      );
      const deepCosts = [1, 2, 3, 4].map((k) => k * BASE_COST);
      expect(await cell('ESPRO: 4 components × 2 points', 'cost')).toBe(String(esproCosts[3]));
      expect(await cell('Deep ensemble: 4 base modes', 'cost')).toBe(String(deepCosts[3]));
      const notes = await tab.getByTestId('ensemble-summary').locator('td.muted').allTextContents();
      expect(notes).toContain(
        'mode + vertex stages (8 images per epoch, 3 draws per batch in vertex stages)',
      );
      expect(notes).toContain('16 images per epoch, 2 draws per batch in vertex stages');
      expect(notes.filter((n) => n.endsWith('× 16 images'))).toHaveLength(1);

      // Every metric of every row is a number (non-finite ones would show as '—'), and each of the
      // nine calibrated rows (ESPRO, deep, each simplex alone, each component's mode) has a temperature.
      const column = (name: string) =>
        tab.locator(`[data-testid="ensemble-row"] [data-field="${name}"]`).allTextContents();
      for (const name of ['error', 'nll', 'brier', 'ece']) {
        const values = await column(name);
        expect(values.length).toBeGreaterThan(0);
        for (const v of values) expect(v, name).toMatch(/^\d+\.\d+$/);
      }
      expect((await column('temperature')).filter((t) => Number(t) > 0)).toHaveLength(9);
      // All three runs trained on at most 20 images: the last 8 of the 10,000 are held out.
      expect(await tab.getByTestId('ensemble-summary').textContent()).toContain(
        "train images 9992…9999: beyond every component's trainLimit, so not seen in training",
      );

      // The cost plot's x axis is those costs, one point per k, at the table's errors.
      const traces = () =>
        tab
          .getByTestId('ensemble-chart-error-cost')
          .evaluate((el) =>
            (
              (el as HTMLElement & { data?: { x?: ArrayLike<number>; y?: ArrayLike<number> }[] }).data ?? []
            ).map((t) => ({ x: Array.from(t.x ?? []), y: Array.from(t.y ?? []) })),
          );
      await expect
        .poll(async () => (await traces()).map((t) => t.x), { timeout: 60_000 })
        .toEqual([esproCosts, deepCosts]);
      const [espro] = await traces();
      expect(espro?.y[3]).toBeCloseTo(Number(await cell('ESPRO: 4 components × 2 points', 'error')), 1);
    },
    SLOW,
  );
});
