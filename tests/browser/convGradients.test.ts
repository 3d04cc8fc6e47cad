// The two backward passes of the convolutions on WebGPU, for real: the studio's (filter gradient as
// nine matrix products; the default on GPUs) and tfjs's kernels (the default on software
// adapters, so the other browser tests use them). Forced with ?conv=, the same tiny run must
// train to the same losses and weights within float32 rounding either way.

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

describe('convolution gradients on WebGPU', () => {
  it("train the same run to the same weights with the studio's and with tfjs's", async () => {
    // The conv gradients are the tfjs path's: the compiled step has its own kernels.
    const studio = await trainInTab(browser, '?step=tfjs&conv=studio', 'webgpu', settings);
    const tfjs = await trainInTab(browser, '?step=tfjs&conv=tfjs', 'webgpu', settings);
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
