// The studio's WebGPU, WebGL and wasm kernels (worker/webgpuKernels.ts, worker/webglKernels.ts,
// engine/simplex/wasmRowKernels.ts: mixing a simplex's vertices, SGD over them with the draws'
// gradients, the volume term and frozen vertices folded in, and the volume's squared distances)
// against their definition, the CPU kernels (engine/simplex/rowKernels.ts). The same tiny ESPRO run (a base vertex, then two
// vertices added with two draws per batch and a strong volume term) is trained with
// ?backend=webgpu, ?backend=webgl, ?backend=wasm (whose convolution gradients are convolutions,
// conv3x3.ts) and ?backend=cpu, and must reach the same losses and weights within float32
// rounding.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { defaultSettings, type TrainSettings } from '../../src/protocol/settings';
import { launchChromium } from './chromium';
import { expectSameLosses, expectSameWeights, trainInTab } from './sameRun';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

const settings: TrainSettings = {
  ...defaultSettings('ensemble'),
  architecture: 'vgg11',
  widthScale: 0.125,
  batchSize: 8,
  components: 1,
  vertices: 2,
  baseEpochs: 1,
  epochsPerVertex: 1,
  nSample: 2,
  lmbd: 10,
  trainLimit: 16,
  testLimit: 8,
  readEvery: 1,
};

describe('row kernels on WebGPU, WebGL and wasm', () => {
  it('train a simplex to the same losses and weights as their definition on the CPU', async () => {
    // The same convolution gradients on the first three, so only the row kernels differ.
    const cpu = await trainInTab(browser, '?backend=cpu&conv=studio', 'cpu', settings);
    // Base stage, then two vertex stages with the volume term on.
    expect(cpu.lambdas.map((l) => l > 0)).toEqual([false, true, true]);
    expect(cpu.losses).toHaveLength(6);
    expect(cpu.losses.every(Number.isFinite)).toBe(true);
    for (const backend of ['webgpu', 'webgl', 'wasm']) {
      const gpu = await trainInTab(browser, `?backend=${backend}&conv=studio`, backend, settings);
      expectSameLosses(gpu.losses, cpu.losses, 1e-3);
      // Measured here: without the volume term the two agree to 1e-7 of each tensor's scale. With
      // it, the grown vertices agree to 1e-3: a vertex is added at the centroid, so the simplex
      // starts flat, and the gradient of log(V + ε) there amplifies the two backends' float32
      // rounding of the distances. The volume term itself moves those vertices by 2–60% of scale
      // (against the same run at LMBD 1e-6), so a wrong or missing pull, row weight or frozen flag
      // shows far above the tolerance.
      expectSameWeights(gpu.weights, cpu.weights, 5e-3);
    }
  }, 900_000);
});
