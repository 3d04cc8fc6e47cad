// A lost GPU device in the middle of a run, for real: once the run's first checkpoint is stored,
// the browser's GPU process is crashed through the DevTools protocol (Browser.crashGpuProcess),
// which loses the WebGPU device the worker owns. The user must see why in the status bar, keep
// the stored checkpoint byte for byte, and get a working device back from the Reload button, after
// which Resume finishes the run. Its own browser: Chromium gives up on the GPU after a few crashes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser, Page } from 'playwright-core';
import type { TrainSettings } from '../../src/protocol/settings';
import { defaultSettings } from '../../src/protocol/settings';
import { launchChromium, openStudio } from './chromium';

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser);
  await backendReady();
});
afterAll(async () => {
  await browser.close();
});

function backendReady(): Promise<void> {
  return page.getByTestId('backend-status').filter({ hasText: 'webgpu' }).waitFor({ timeout: 60_000 });
}

async function storedRun(runId: string) {
  const runs = await page.evaluate(() => window.__studio?.client.call('listRuns', {}));
  return runs?.find((r) => r.id === runId);
}

/** SHA-256 of the run's checkpoint record as IndexedDB holds it (typed arrays as their values). */
function checkpointDigest(runId: string): Promise<string> {
  return page.evaluate(
    (runId) =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('simplex-studio');
        open.onerror = () => {
          reject(new Error(String(open.error)));
        };
        open.onsuccess = () => {
          const get = open.result.transaction('checkpoints').objectStore('checkpoints').get(runId);
          get.onsuccess = () => {
            open.result.close();
            const text = JSON.stringify(get.result, (_key, value: unknown) =>
              ArrayBuffer.isView(value) ? Array.from(value as Float32Array) : value,
            );
            void crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)).then((hash) => {
              resolve(Array.from(new Uint8Array(hash), (b) => b.toString(16).padStart(2, '0')).join(''));
            }, reject);
          };
        };
      }),
    runId,
  );
}

describe('a lost GPU device', () => {
  it('is named in the status bar, keeps the checkpoint, and the run resumes after Reload', async () => {
    const settings: TrainSettings = {
      ...defaultSettings('base'),
      architecture: 'vgg11',
      widthScale: 0.125,
      batchSize: 8,
      baseEpochs: 3,
      trainLimit: 32,
      testLimit: 8,
      readEvery: 1,
    };
    await page.evaluate(() => window.__studio?.client.call('listDatasets', {}));
    const run = await page.evaluate(
      (s) => window.__studio?.client.call('createRun', { settings: s, name: 'gpu crash' }),
      settings,
    );
    if (!run) throw new Error('no run');
    await page.getByRole('link', { name: 'Train' }).click();
    const card = page.getByRole('article', { name: 'Run gpu crash' });
    await card.getByRole('button', { name: 'Resume' }).click();

    // Lost during the second epoch, with the first one's checkpoint stored.
    await expect
      .poll(async () => (await storedRun(run.id))?.checkpointStep ?? 0, { timeout: 300_000 })
      .toBeGreaterThan(0);
    const before = await storedRun(run.id);
    const digest = await checkpointDigest(run.id);
    const gpu = await browser.newBrowserCDPSession();
    await gpu.send('Browser.crashGpuProcess');

    const error = page.getByTestId('engine-error');
    await expect.poll(() => error.textContent(), { timeout: 60_000 }).toContain('The GPU device was lost');
    expect(await error.textContent()).toContain('Reload the tab to resume from the last checkpoint');
    expect(await card.getByRole('alert').getAttribute('data-error-code')).toBe('DEVICE_LOST');
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 60_000 }).toBe('failed');
    // Stored as a lost device (not as whatever GPU call failed next), so it can be resumed.
    const failed = await storedRun(run.id);
    expect(failed?.error?.code).toBe('DEVICE_LOST');
    expect(failed?.checkpointStep).toBe(before?.checkpointStep);
    expect(failed?.history.epochs.length).toBe(before?.history.epochs.length);
    expect(await checkpointDigest(run.id)).toBe(digest);

    await page.getByRole('status').getByRole('button', { name: 'Reload' }).click();
    await backendReady();
    // A fresh worker with a fresh device: nothing lost to report, and the GPU computes again.
    expect(await page.getByTestId('engine-error').count()).toBe(0);
    const product = await page.evaluate(() =>
      window.__studio?.client.call('matmul', { a: [1, 2], b: [3, 4], m: 1, k: 2, n: 1 }),
    );
    expect(product).toEqual({ values: [11], backend: 'webgpu' });

    expect(await card.getByRole('alert').getAttribute('data-error-code')).toBe('DEVICE_LOST');
    await card.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 300_000 }).toBe('done');
    const done = await storedRun(run.id);
    expect(done?.error).toBeNull();
    expect(done?.history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(done?.modelIds.length).toBe(1);
  }, 600_000);
});
