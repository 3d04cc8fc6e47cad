// Drives the Train section through the real UI on WebGPU (SwiftShader): a tiny base model on the
// synthetic set with live charts and progress, then a simplex around it that is interrupted by a
// reload, resumed from its checkpoint, and lands in the model library. Sized so an idle machine
// runs both in a few minutes; the time-outs are ceilings for a loaded one (SwiftShader shares the
// CPU with everything else).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, openStudio } from './chromium';
import { fillTinySettings, runCard, startForm } from './trainForm';

const SLOW = 600_000;

let browser: Browser;
/** One page for both tests: the simplex grows around the base model the first test trains. */
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser, '#train');
});
afterAll(async () => {
  await browser.close();
});

/** Points in trace `trace` of the chart `chart` inside `scope` (0 while it is not drawn). */
function tracePoints(scope: Locator, chart: string, trace: number): Promise<number> {
  return scope
    .getByTestId(`chart-${chart}`)
    .first()
    .evaluate((el, i) => {
      const data = (el as HTMLElement & { data?: { x?: ArrayLike<number> }[] }).data;
      return data?.[i]?.x?.length ?? 0;
    }, trace)
    .catch(() => 0);
}

/** The run's status as the worker stores it. */
async function storedStatus(name: string): Promise<string | undefined> {
  const runs = await page.evaluate(() => window.__studio?.client.call('listRuns', {}));
  return runs?.find((r) => r.name === name)?.status;
}

describe('train section', () => {
  it(
    'trains a base model with live charts and progress',
    async () => {
      const form = startForm(page);
      await form.waitFor({ timeout: 120_000 });

      // On this software adapter the form opens on the small settings; the reference's are a click away.
      const small = form.getByRole('button', { name: 'Small (a quick trial)' });
      const reference = form.getByRole('button', { name: 'Reference (the paper’s)' });
      await expect.poll(() => small.getAttribute('aria-pressed'), { timeout: 60_000 }).toBe('true');
      expect(await form.getByLabel('Width scale').inputValue()).toBe('0.125');
      expect(await form.getByLabel('Training images').inputValue()).toBe('2000');
      await reference.click();
      expect(await reference.getAttribute('aria-pressed')).toBe('true');
      expect(await form.getByLabel('Width scale').inputValue()).toBe('1');
      // The reference's defaults are filled in; an impossible value is caught inline.
      expect(await form.getByLabel('Base learning rate').inputValue()).toBe('0.05');
      expect(await form.getByLabel('Batch size').inputValue()).toBe('128');
      await form.getByLabel('Base epochs').fill('0');
      await expect.poll(() => form.getByText('At least 1.').count()).toBe(1);
      expect(await form.getByRole('button', { name: 'Start' }).isDisabled()).toBe(true);
      await form.getByLabel('Base epochs').fill('2');
      // 48 images: 6 steps an epoch, 12 in all, so the run is still going while the progress is read and
      // Pause lands (with 4 steps the run could end first on a fast step).
      await fillTinySettings(form, { name: 'tiny base', trainImages: 48 });
      await form.getByRole('button', { name: 'Start' }).click();

      const base = runCard(page, 'tiny base');
      await expect.poll(() => tracePoints(base, 'loss', 0), { timeout: SLOW }).toBeGreaterThan(0);
      await expect.poll(() => tracePoints(base, 'lr', 0), { timeout: 10_000 }).toBeGreaterThan(0);
      const progress = base.getByTestId('overall-progress');
      expect(Number(await progress.getAttribute('value'))).toBeGreaterThan(0);
      expect(await progress.getAttribute('max')).toBe('12');
      expect(await base.getByTestId('stage-label').textContent()).toContain('Base model');
      expect(await base.getByTestId('run-speed').textContent()).toMatch(/images\/s|measuring|compiling/);

      // Pause holds the worker at the next step (its stored record says so); Resume lets it go on.
      await base.getByRole('button', { name: 'Pause' }).click();
      await expect.poll(() => storedStatus('tiny base'), { timeout: SLOW }).toBe('paused');
      expect(await base.getAttribute('data-status')).toBe('paused');
      await base.getByRole('button', { name: 'Resume' }).click();
      await expect.poll(() => storedStatus('tiny base'), { timeout: 60_000 }).not.toBe('paused');

      await expect.poll(() => base.getAttribute('data-status'), { timeout: SLOW }).toBe('done');
      // The charts stay open when the run ends, with the test loss after each epoch.
      await expect.poll(() => tracePoints(base, 'loss', 3)).toBe(2);
      const link = base.getByTestId('run-models').getByRole('link').first();
      expect(await link.getAttribute('href')).toBe('#models');
    },
    SLOW * 2,
  );

  it(
    'grows a simplex around it that survives a reload mid-run and lands in the library',
    async () => {
      const form = startForm(page);
      // Switching procedure keeps what was edited and refills the rest with the simplex defaults.
      await form.getByLabel('Procedure').selectOption('simplex');
      expect(await form.getByLabel('Batch size').inputValue()).toBe('8');
      // The reference's 0.01 is for batches of 128: untouched, it follows the kept batch of 8.
      expect(await form.getByLabel('Vertex learning rate').inputValue()).toBe('0.000625');
      expect(await form.getByLabel('Loss over draws').locator('option:checked').textContent()).toBe(
        'sum over draws (reference)',
      );
      await form.getByRole('radio', { name: /tiny base/ }).check();
      await form.getByLabel('Vertices to add').fill('1');
      await form.getByLabel('Epochs per vertex').fill('2');
      await form.getByLabel('Draws per batch (n_sample)').fill('2');
      // 32 images, 4 steps an epoch: the reload below lands while the second epoch still trains (with one
      // step an epoch the run could end first, its kernels already compiled by the base run).
      await fillTinySettings(form, { name: 'tiny simplex', trainImages: 32 });
      // The same model and batch as the base run: its measured rate gives the estimate.
      expect(await form.getByTestId('run-estimate').textContent()).toMatch(
        /^About [\d a-z]+ at \d+\.\d images\/s, as run “tiny base” measured on this machine\.$/,
      );
      await form.getByRole('button', { name: 'Start' }).click();

      // Reload once the first epoch is checkpointed: the run is then interrupted, not lost.
      const simplex = runCard(page, 'tiny simplex');
      await expect.poll(() => tracePoints(simplex, 'loss', 3), { timeout: SLOW }).toBeGreaterThan(0);
      await expect.poll(() => tracePoints(simplex, 'volume', 1), { timeout: 10_000 }).toBeGreaterThan(0);
      await page.reload();
      await expect
        .poll(() => simplex.getAttribute('data-status').catch(() => null), { timeout: 120_000 })
        .toBe('interrupted');
      // The form came back as it was left: the simplex procedure with its edits.
      const reopened = startForm(page);
      expect(await reopened.getByLabel('Procedure').inputValue()).toBe('simplex');
      expect(await reopened.getByLabel('Epochs per vertex').inputValue()).toBe('2');
      expect(await reopened.getByLabel('Draws per batch (n_sample)').inputValue()).toBe('2');
      // A run not training here shows its charts on demand.
      const base = runCard(page, 'tiny base');
      await base.getByRole('button', { name: 'Show charts' }).click();
      await expect.poll(() => tracePoints(base, 'accuracy', 3), { timeout: 15_000 }).toBe(2);
      await simplex.getByRole('button', { name: 'Resume' }).click();
      // At once no longer "interrupted": starting until the worker reports, then running.
      expect(await simplex.getByTestId('run-status').textContent()).toMatch(/^(starting|running)$/);
      // Re-attached: the live view shows the run again, from its checkpoint on.
      await expect.poll(() => simplex.getAttribute('data-status'), { timeout: 60_000 }).toBe('running');
      // The reloaded page's worker compiles the step's kernels again before its first report.
      await expect.poll(() => tracePoints(simplex, 'loss', 3), { timeout: SLOW }).toBeGreaterThan(0);
      await expect.poll(() => simplex.getAttribute('data-status'), { timeout: SLOW }).toBe('done');
      expect(await simplex.getByRole('alert').count()).toBe(0);
      await expect.poll(() => tracePoints(simplex, 'loss', 3), { timeout: 10_000 }).toBe(2);

      const library = await page.evaluate(() => window.__studio?.client.call('listModels', {}));
      const made = library?.models.find((m) => m.name === 'tiny simplex');
      expect(made?.kind).toBe('simplex');
      expect(made?.vertexCount).toBe(2);
      expect(made?.source).toMatchObject({ kind: 'run', runName: 'tiny simplex' });
    },
    SLOW * 3,
  );
});
