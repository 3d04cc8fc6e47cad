// The CLI's `train` and the tab run the same run: the tiny base run of sameRun.ts, trained by the
// command line on tfjs's CPU backend and by the tab on WebGPU (the compiled step), with the same
// settings and seed. The tab imports the CLI's result as a user would (the Models section's
// import), and its weights agree with the tab's own run to 1e-3 of each tensor's scale.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { memoryIo } from '../../src/cli/io';
import { run } from '../../src/cli/run';
import { launchChromium, openStudio } from './chromium';
import { exportedTensors } from './exported';
import { TINY_BASE_RUN as settings, expectSameWeights, trainInTab } from './sameRun';

let browser: Browser;
const dir = mkdtempSync(path.join(tmpdir(), 'cli-run-'));
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the CLI and the tab', () => {
  it('train the same run: the tab imports the CLI’s result and finds its own weights', async () => {
    const out = path.join(dir, 'cli run');
    const io = memoryIo();
    const flags = [
      ...['--data', 'synthetic', '--out', out, '--backend', 'cpu', '--seed', String(settings.seed)],
      ...['--architecture', settings.architecture, '--width', String(settings.widthScale)],
      ...['--batch-size', String(settings.batchSize), '--base-epochs', String(settings.baseEpochs)],
      ...['--train-limit', String(settings.trainLimit), '--test-limit', String(settings.testLimit)],
      ...['--read-every', String(settings.readEvery)],
    ];
    expect(await run(['train', ...flags], io), io.err).toBe(0);
    const file = readdirSync(out).find((f) => f.endsWith('_vertex0.safetensors')) as string;

    const tab = await trainInTab(browser, '', 'webgpu', settings);
    expect(tab.stepShown).toContain('step: compiled');

    const page = await openStudio(browser);
    const imported = await page.evaluate(
      async ({ base64, fileName }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const studio = window.__studio;
        if (!studio) throw new Error('no studio handle');
        return studio.client.call('importModel', { file: new Blob([bytes]), fileName, usedWith: null });
      },
      { base64: readFileSync(path.join(out, file)).toString('base64'), fileName: file },
    );
    expect(imported.model.source).toMatchObject({ kind: 'file', run: 'cli run' });
    expect(imported.model.dataset?.name).toBe('Synthetic');
    expectSameWeights(tab.weights, await exportedTensors(page, imported.model.id), 1e-3);
    await page.context().close();
  }, 600_000);
});
