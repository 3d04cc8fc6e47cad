// The quick start on a fresh profile, as a new user meets it on the Data section: the plan and
// its measured estimate, both runs, and the computed 21×21 surface over the simplex's face; then
// the Runs list's overlay of those two runs. The page runs on wasm, the backend this machine's
// measurement picks (SwiftShader WebGPU trains about 20× slower): the quick start's own settings,
// about 4 minutes here. The overlay reuses the quick start's runs rather than training two more.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openStudio } from './chromium';
import { plotTraces, type Trace } from './plotTraces';
import { runCard } from './trainForm';

const SLOW = 600_000;
const GRID = 21;

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser, '?backend=wasm');
});
afterAll(async () => {
  await browser.close();
});

function traces(testId: string): Promise<Trace[]> {
  return plotTraces(page, testId).catch(() => []);
}

describe('quick start', () => {
  it(
    'shows its plan and estimate, trains a base model and a simplex from it, and computes the surface',
    async () => {
      const card = page.getByRole('region', { name: 'Quick start' });
      await card.waitFor({ timeout: 120_000 });
      expect(page.url()).not.toContain('#');
      const plan = card.getByTestId('quick-start-plan').getByRole('listitem');
      // The plan shows once the synthetic set is listed (a fresh profile generates it first).
      await expect.poll(() => plan.count(), { timeout: 180_000 }).toBe(3);
      expect(await plan.allTextContents()).toEqual([
        expect.stringMatching(/^Base model: VGG11 at width 1\/8, 6 epochs on 2,000 synthetic images/),
        expect.stringMatching(/^SPRO simplex grown from it to 3 vertices/),
        expect.stringMatching(/^Loss surface over its face, 21×21 points on 128 images/),
      ]);
      const estimate = card.getByTestId('quick-start-estimate');
      expect(await estimate.textContent()).toMatch(/^The time shows before training begins/);

      // The click measures this machine first, and the estimate shows before training begins.
      await card.getByRole('button', { name: 'Quick start: a simplex on the synthetic set' }).click();
      await expect
        .poll(() => estimate.textContent(), { timeout: 180_000 })
        .toMatch(/^About (\d+ min )?\d+ s on this machine: training at [\d.]+ images\/s as a warm-up/);
      expect(await plan.first().textContent()).toMatch(/— about (\d+ min )?\d+ s/);
      const status = card.getByTestId('quick-start-status');
      await expect
        .poll(() => status.textContent(), { timeout: 60_000 })
        .toMatch(/Training the base model \(1 of 3\)/);
      expect(await card.getByRole('listitem').first().getAttribute('aria-current')).toBe('step');
      expect(await card.getByRole('button', { name: 'Cancel' }).isEnabled()).toBe(true);

      // The last stage opens Surfaces on the simplex's face and computes it there.
      const surfaceStatus = page.getByTestId('surface-status');
      await expect
        .poll(
          () =>
            surfaceStatus
              .first()
              .textContent()
              .catch(() => ''),
          { timeout: SLOW },
        )
        .toMatch(/^Computed: 21×21 points on 128 train images/);
      expect(page.url()).toMatch(/#surfaces$/);
      expect(await page.getByTestId('surface-model').inputValue()).toBeTruthy();
      const contour = (await traces('surface-plot')).find((t) => t.type === 'contour');
      expect(contour?.z).toHaveLength(GRID);
      const values = contour?.z?.flat() ?? [];
      expect(values).toHaveLength(GRID * GRID);
      expect(values.every((x) => typeof x === 'number' && Number.isFinite(x))).toBe(true);

      // Both stages are ordinary runs; the simplex grew from the base run's model.
      const runs = (await page.evaluate(() => window.__studio?.client.call('listRuns', {}))) ?? [];
      const base = runs.find((r) => r.name === 'Quick start: base model');
      const simplex = runs.find((r) => r.name === 'Quick start: simplex');
      expect(base?.status).toBe('done');
      expect(simplex?.status).toBe('done');
      expect(simplex?.settings.procedure).toBe('simplex');
      expect(simplex?.settings.modes).toEqual([base?.modelIds[0]]);
      const models = await page.evaluate(() => window.__studio?.client.call('listModels', {}));
      const simplexModel = models?.models.find((m) => m.id === simplex?.modelIds[0]);
      expect(simplexModel?.vertexCount).toBe(3);
      expect(await page.getByTestId('surface-model').inputValue()).toBe(simplexModel?.id);

      await page.evaluate(() => {
        window.location.hash = '#train';
      });
      await expect
        .poll(() => runCard(page, 'Quick start: base model').getAttribute('data-status'))
        .toBe('done');
      expect(await runCard(page, 'Quick start: simplex').getAttribute('data-status')).toBe('done');
      const again = page.getByRole('region', { name: 'Quick start' });
      expect(await again.getByTestId('quick-start-status').getAttribute('data-phase')).toBe('done');
    },
    SLOW + 300_000,
  );

  it('overlays the selected runs on one chart, by step or by images seen', async () => {
    expect(await page.getByRole('region', { name: 'Compare runs' }).count()).toBe(0);
    await runCard(page, 'Quick start: base model').getByLabel('Compare').check();
    await runCard(page, 'Quick start: simplex').getByLabel('Compare').check();
    const overlay = page.getByRole('region', { name: 'Compare runs' });
    await overlay.waitFor({ timeout: 30_000 });
    const names = async () => (await traces('overlay-loss')).map((t) => t.name);
    await expect
      .poll(names, { timeout: 30_000 })
      .toEqual([
        'Quick start: base model · train',
        'Quick start: base model · test',
        'Quick start: simplex · train',
        'Quick start: simplex · test',
      ]);
    await expect.poll(async () => (await traces('overlay-accuracy')).length, { timeout: 10_000 }).toBe(4);
    const lastX = async () => {
      const x = (await traces('overlay-loss'))[1]?.x;
      return x ? x[x.length - 1] : undefined;
    };
    // The base run's last test point: 6 epochs of 62 steps.
    expect(await lastX()).toBe(372);
    await overlay.getByRole('button', { name: 'images seen' }).click();
    // Batches of 32 images.
    await expect.poll(lastX, { timeout: 10_000 }).toBe(372 * 32);
    await overlay.getByRole('button', { name: 'step' }).click();
    await expect.poll(lastX, { timeout: 10_000 }).toBe(372);

    await runCard(page, 'Quick start: simplex').getByLabel('Compare').uncheck();
    await expect.poll(async () => (await traces('overlay-loss')).length, { timeout: 10_000 }).toBe(2);
    await overlay.getByRole('button', { name: 'Clear the selection' }).click();
    expect(await page.getByRole('region', { name: 'Compare runs' }).count()).toBe(0);
  });
});
