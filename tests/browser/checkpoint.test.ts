// A full disk in the middle of a run, for real: after the run's first checkpoint, Chromium's own
// quota for the page's origin is set to one byte through the DevTools protocol
// (Storage.overrideQuotaForOrigin; a worker started after the change sees it, so the page is
// reloaded). Every IndexedDB write then fails. Resuming must stop with QUOTA_EXCEEDED and change
// nothing stored; with room again, the run resumes from the checkpoint it had and finishes with
// every epoch counted once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser, CDPSession, Page } from 'playwright-core';
import type { TrainSettings } from '../../src/protocol/settings';
import { defaultSettings } from '../../src/protocol/settings';
import { launchChromium, openStudio } from './chromium';

let browser: Browser;
let page: Page;
let cdp: CDPSession;
let origin: string;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser);
  cdp = await page.context().newCDPSession(page);
  origin = new URL(page.url()).origin;
  await page.getByTestId('backend-status').filter({ hasText: 'webgpu' }).waitFor({ timeout: 60_000 });
});
afterAll(async () => {
  await browser.close();
});

async function storedRun(runId: string) {
  const runs = await page.evaluate(() => window.__studio?.client.call('listRuns', {}));
  return runs?.find((r) => r.id === runId);
}

describe('checkpoints on a full disk', () => {
  it('stop the run with QUOTA_EXCEEDED, keep the last checkpoint, and resume from it', async () => {
    const settings: TrainSettings = {
      ...defaultSettings('base'),
      architecture: 'vgg11',
      widthScale: 0.125,
      batchSize: 8,
      baseEpochs: 4,
      trainLimit: 32,
      testLimit: 8,
      readEvery: 1,
    };
    await page.evaluate(() => window.__studio?.client.call('listDatasets', {}));
    const run = await page.evaluate(
      (s) => window.__studio?.client.call('createRun', { settings: s, name: 'disk' }),
      settings,
    );
    if (!run) throw new Error('no run');

    const train = () =>
      page.evaluate(
        (id) =>
          window.__studio?.client.call('train', { runId: id }).then(
            (r) => r.status,
            (err: unknown) => (err as { code?: string }).code ?? String(err),
          ),
        run.id,
      );
    const first = train();
    await expect
      .poll(async () => (await storedRun(run.id))?.checkpointStep ?? 0, { timeout: 300_000 })
      .toBeGreaterThan(0);
    await page.evaluate((id) => window.__studio?.client.call('stopRun', { runId: id }), run.id);
    expect(await first).toBe('stopped');
    const before = await storedRun(run.id);

    // A disk with no room left (the next write of any size fails), seen by a fresh worker.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 1 });
    await page.reload();
    await page.getByTestId('backend-status').filter({ hasText: 'webgpu' }).waitFor({ timeout: 60_000 });
    expect(await train()).toBe('QUOTA_EXCEEDED');
    const failed = await storedRun(run.id);
    // Nothing after the last checkpoint that fit was stored, and that checkpoint is intact.
    expect(failed?.checkpointStep).toBe(before?.checkpointStep);
    expect(failed?.history.epochs.length).toBe(before?.history.epochs.length);

    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await page.reload();
    await page.getByTestId('backend-status').filter({ hasText: 'webgpu' }).waitFor({ timeout: 60_000 });
    const resumed = await page.evaluate((id) => window.__studio?.client.call('train', { runId: id }), run.id);
    expect(resumed?.status).toBe('done');
    expect(resumed?.history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(resumed?.modelIds.length).toBe(1);
  }, 600_000);
});
