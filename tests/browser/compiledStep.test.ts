// The compiled WebGPU step in the tab: WebGPU trains with it by default and the status bar says
// so; ?step=tfjs forces the tfjs path. The same tiny run trains to the same losses and weights
// either way, through the worker's protocol, and exports as PyTorch-loadable weights.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from './chromium';
import { TINY_BASE_RUN as settings, expectSameLosses, expectSameWeights, trainInTab } from './sameRun';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

describe('the compiled step in the tab', () => {
  it('is WebGPU’s default and trains the run the tfjs path trains', async () => {
    const compiled = await trainInTab(browser, '', 'webgpu', settings);
    const tfjs = await trainInTab(browser, '?step=tfjs', 'webgpu', settings);
    expect(compiled.stepShown).toContain('step: compiled');
    expect(compiled.stepShown).not.toContain('forced');
    expect(tfjs.stepShown).toContain('step: tfjs (forced by ?step=)');

    expect(compiled.losses).toHaveLength(4);
    expect(compiled.losses.every(Number.isFinite)).toBe(true);
    expectSameLosses(compiled.losses, tfjs.losses, 1e-4);
    expectSameWeights(compiled.weights, tfjs.weights, 1e-4);
  }, 600_000);
});
