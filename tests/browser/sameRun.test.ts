// The tiny base run of sameRun.ts trained four ways, each once, and compared: the compiled WebGPU
// step (WebGPU's default, as the status bar says), the tfjs path forced with ?step=tfjs under each
// convolution backward pass forced with ?conv= (the studio's: the filter gradient as nine matrix
// products, the default on GPUs; tfjs's kernels, the default on software adapters), and the
// command line's `train` on tfjs's CPU backend. Each tab compiles its kernels anew (a minute on
// SwiftShader), so a run two comparisons need is trained once and shared between them.

import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { memoryIo } from '../../src/cli/io';
import { run } from '../../src/cli/run';
import { launchChromium, openStudio } from './chromium';
import { exportedTensors } from './exported';
import {
  TINY_BASE_RUN as settings,
  expectSameLosses,
  expectSameWeights,
  trainInTab,
  type Trained,
} from './sameRun';

let browser: Browser;
const dir = mkdtempSync(path.join(tmpdir(), 'cli-run-'));
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `query`'s run, trained in a tab on WebGPU the first time a test asks for it. */
function trainedOnce(query: string): () => Promise<Trained> {
  let trained: Promise<Trained> | undefined;
  return () => (trained ??= trainInTab(browser, query, 'webgpu', settings));
}
const compiledStep = trainedOnce('');
const tfjsPathTfjsConv = trainedOnce('?step=tfjs&conv=tfjs');
const tfjsPathStudioConv = trainedOnce('?step=tfjs&conv=studio');

describe('the compiled step in the tab', () => {
  it('is WebGPU’s default and trains the run the tfjs path trains', async () => {
    const compiled = await compiledStep();
    const tfjs = await tfjsPathTfjsConv();
    expect(compiled.stepShown).toContain('step: compiled');
    expect(compiled.stepShown).not.toContain('forced');
    expect(tfjs.stepShown).toContain('step: tfjs (forced by ?step=)');

    expect(compiled.losses).toHaveLength(4);
    expect(compiled.losses.every(Number.isFinite)).toBe(true);
    expectSameLosses(compiled.losses, tfjs.losses, 1e-4);
    expectSameWeights(compiled.weights, tfjs.weights, 1e-4);
  }, 600_000);
});

describe('convolution gradients on WebGPU', () => {
  it("train the same run to the same weights with the studio's and with tfjs's", async () => {
    // The conv gradients are the tfjs path's: the compiled step has its own kernels.
    const studio = await tfjsPathStudioConv();
    const tfjs = await tfjsPathTfjsConv();
    expect(studio.convShown).toContain('conv gradients: studio (forced by ?conv=)');
    expect(tfjs.convShown).toContain('conv gradients: tfjs (forced by ?conv=)');

    expect(studio.losses).toHaveLength(4);
    expect(studio.losses.every(Number.isFinite)).toBe(true);
    expectSameLosses(studio.losses, tfjs.losses, 1e-4);
    // Four SGD steps at lr 0.05 move the weights by far more than float32 rounding of two
    // summation orders: a wrong gradient shows here as a difference of the update's size.
    expectSameWeights(studio.weights, tfjs.weights, 1e-4);
  }, 600_000);
});

// The tab imports the CLI's result as a user would (the Models section's import), and its weights
// agree with the tab's own run on the compiled step to 1e-3 of each tensor's scale.
describe('the CLI and the tab', () => {
  it('train the same run: the tab imports the CLI’s result and finds its own weights', async () => {
    const out = path.join(dir, 'cli run');
    const io = memoryIo();
    const flags = [
      ...['--data', 'synthetic', '--out', out, '--backend', 'cpu', '--seed', String(settings.seed)],
      ...['--architecture', settings.architecture, '--width', String(settings.widthScale)],
      ...['--batch-size', String(settings.batchSize), '--base-epochs', String(settings.baseEpochs)],
      ...['--train-limit', String(settings.trainLimit), '--test-limit', String(settings.testLimit)],
      ...['--read-every', String(settings.readEvery), '--base-lr', String(settings.baseLr)],
    ];
    expect(await run(['train', ...flags], io), io.err).toBe(0);
    const file = readdirSync(out).find((f) => f.endsWith('_vertex0.safetensors')) as string;

    const tab = await compiledStep();
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
