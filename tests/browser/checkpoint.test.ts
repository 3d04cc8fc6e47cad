// Checkpoints on WebGPU, for real. A run reloaded mid-epoch resumes from its last checkpoint in a
// fresh worker and ends with exactly the weights and metrics of the same run left alone.
// A full disk in the middle of a run: after the run's first checkpoint, Chromium's own quota for
// the page's origin is set to one byte through the DevTools protocol
// (Storage.overrideQuotaForOrigin; a worker started after the change sees it, so the page is
// reloaded, and scratch writes wait until Chromium stops trusting its cached free space). Every
// IndexedDB write then fails. Resuming must stop with QUOTA_EXCEEDED and change
// nothing stored; with room again, the run resumes from the checkpoint it had and finishes with
// every epoch counted once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser, Page } from 'playwright-core';
import type { EpochPoint } from '../../src/protocol/commands/train';
import type { TrainSettings } from '../../src/protocol/settings';
import { defaultSettings } from '../../src/protocol/settings';
import { MB, launchChromium, openStudioWithQuota, scratchWrite, type QuotaControl } from './chromium';
import { bitsOf, exportedTensors } from './exported';

let browser: Browser;
/**
 * One page for both tests. A fresh worker compiles the compiled step's kernels for the run's model
 * and batch (most of a minute on SwiftShader): the worker the reload starts has them compiled for
 * the full disk's run, which trains the same model at the same batch.
 */
let page: Page;
let setQuota: QuotaControl['setQuota'];
beforeAll(async () => {
  browser = await launchChromium();
  ({ page, setQuota } = await openStudioWithQuota(browser, 128 * MB));
  await webgpuReady();
});
afterAll(async () => {
  await browser.close();
});

function webgpuReady(): Promise<void> {
  return page.getByTestId('backend-status').filter({ hasText: 'webgpu' }).waitFor({ timeout: 60_000 });
}

async function storedRun(runId: string) {
  const runs = await page.evaluate(() => window.__studio?.client.call('listRuns', {}));
  return runs?.find((r) => r.id === runId);
}

async function createRun(settings: TrainSettings, name: string): Promise<string> {
  const run = await page.evaluate(
    ({ s, n }) => window.__studio?.client.call('createRun', { settings: s, name: n }),
    { s: settings, n: name },
  );
  if (!run) throw new Error('no run');
  return run.id;
}

describe('resuming after a reload on WebGPU', () => {
  it('reaches bit for bit the weights and metrics of the same run left alone', async () => {
    // One ESPRO component of one added vertex: a base stage (dropout, shuffles, crops) and a vertex
    // stage (a draw per step, volume term, a frozen row) in the fewest steps; 2 steps per epoch.
    const settings: TrainSettings = {
      ...defaultSettings('ensemble'),
      architecture: 'vgg11',
      widthScale: 0.125,
      batchSize: 8,
      components: 1,
      vertices: 1,
      baseEpochs: 1,
      epochsPerVertex: 2,
      nSample: 1,
      trainLimit: 16,
      testLimit: 8,
      readEvery: 1,
    };
    await page.evaluate(() => window.__studio?.client.call('listDatasets', {}));

    // Reload from inside the page at the first step of the vertex stage's second epoch: the worker
    // is mid-epoch, one step past the checkpoint that holds the vertex stage's momentum.
    const interruptedId = await createRun(settings, 'interrupted');
    const reloaded = page.waitForEvent('load', { timeout: 300_000 });
    await page.evaluate((id) => {
      window.__studio?.client
        .call(
          'train',
          { runId: id },
          {
            onProgress: (update) => {
              if (update.kind === 'steps' && update.point.stage === 1 && update.point.epoch === 2) {
                window.location.reload();
              }
            },
          },
        )
        .catch(() => undefined);
    }, interruptedId);
    await reloaded;
    await webgpuReady();
    const cut = await storedRun(interruptedId);
    expect(cut?.status).toBe('interrupted');
    expect(cut?.checkpointStep).toBe(4);
    expect(cut?.history.epochs.map((e) => [e.stage, e.epoch])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    const resumed = await page.evaluate(
      (id) => window.__studio?.client.call('train', { runId: id }),
      interruptedId,
    );
    expect(resumed?.status).toBe('done');

    const aloneId = await createRun(settings, 'left alone');
    const alone = await page.evaluate((id) => window.__studio?.client.call('train', { runId: id }), aloneId);
    expect(alone?.status).toBe('done');

    // Same metric history (wall-clock seconds aside): every loss, accuracy, λ and volume.
    const withoutTime = (epochs: EpochPoint[] | undefined) => epochs?.map(({ seconds: _, ...rest }) => rest);
    expect(resumed?.history.steps).toEqual(alone?.history.steps);
    expect(withoutTime(resumed?.history.epochs)).toEqual(withoutTime(alone?.history.epochs));

    const got = await exportedTensors(page, resumed?.modelIds[0] ?? '');
    const want = await exportedTensors(page, alone?.modelIds[0] ?? '');
    expect([...got.tensors.keys()]).toEqual([...want.tensors.keys()]);
    const differing = [...want.tensors].filter(
      ([name, t]) => !bitsOf(got.tensors.get(name)?.data).equals(bitsOf(t.data)),
    );
    expect(differing.map(([name]) => name)).toEqual([]);
    // Training moved the added vertex away from the base vertex it started next to.
    expect(
      bitsOf(want.tensors.get('net.c1.weight_1')?.data).equals(
        bitsOf(want.tensors.get('net.c1.weight_0')?.data),
      ),
    ).toBe(false);
  }, 600_000);
});

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

    // A disk with no room left (the next write of any size fails), seen by a fresh worker; the
    // scratch write makes Chromium read the new quota now (see openStudioWithQuota).
    await setQuota(1);
    await page.reload();
    await webgpuReady();
    expect(await scratchWrite(page, 128 * MB)).not.toBe('ok');
    // A small write can still pass on the free space Chromium cached before the change, for up
    // to 30 s after it last asked (one CI run stored the run's next checkpoint that way): wait
    // until one fails too, so the run's first write meets the full disk.
    await expect.poll(() => scratchWrite(page, 1024), { timeout: 60_000, interval: 1000 }).not.toBe('ok');
    expect(await train()).toBe('QUOTA_EXCEEDED');
    const failed = await storedRun(run.id);
    // Nothing after the last checkpoint that fit was stored, and that checkpoint is intact.
    expect(failed?.checkpointStep).toBe(before?.checkpointStep);
    expect(failed?.history.epochs.length).toBe(before?.history.epochs.length);

    await setQuota();
    await page.reload();
    await webgpuReady();
    const resumed = await page.evaluate((id) => window.__studio?.client.call('train', { runId: id }), run.id);
    expect(resumed?.status).toBe('done');
    expect(resumed?.history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    expect(resumed?.modelIds.length).toBe(1);
  }, 600_000);
});
