// The benchmark's command in the worker, as `npm run bench` drives it, on a small VGG11: every
// measurement arrives (as progress, then in the result), the rates are real numbers, nothing
// leaks and metrics are not read every step, WebGPU trains on the compiled step (its dispatches
// counted, its host time under the tfjs path's), and --profile's two step breakdowns show what each
// backward pass really dispatches. No timing thresholds: speed is read from the benchmark's
// output, not asserted here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser } from 'playwright-core';
import type { BenchMeasurement, BenchParams, BenchResult } from '../../src/protocol/commands/bench';
import { paramCount } from '../../src/protocol/network';
import { launchChromium, openStudio } from './chromium';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

const params: BenchParams = {
  architecture: 'vgg11',
  widthScale: 0.125,
  batchSize: 4,
  steps: 2,
  profile: true,
};

const RATES = [
  'base_img_s',
  'tfjs_img_s',
  'compiled_speedup',
  'host_ms_per_step',
  'wall_ms_per_step',
  'host_ms_per_step_tfjs',
  'naive_img_s',
  'speedup_vs_naive',
  'spro_img_s',
  'spro_overhead',
  'spro5_img_s',
  'surface_points_s',
  'plane_points_s',
  'loader_img_s',
  'import_mb_s',
  'import_idx_mb_s',
  'import_folder_img_s',
  'step_ms_tfjs_conv_gradients',
  'step_ms_studio_conv_gradients',
];

describe('bench command', () => {
  it('reports every measurement, no leak, fewer reads than steps, and both step profiles', async () => {
    const page = await openStudio(browser);
    await page.getByTestId('backend-status').filter({ hasText: 'webgpu' }).waitFor({ timeout: 60_000 });
    await page.evaluate(() => window.__studio?.client.call('listDatasets', {}));
    const run = await page.evaluate(async (p) => {
      const progress: BenchMeasurement[] = [];
      const result = await window.__studio?.client.call('bench', p, {
        onProgress: (m) => progress.push(m),
      });
      return { progress, result };
    }, params);
    const result = run.result as BenchResult;
    const m = result.measurements;

    // The GPU's own timing where the adapter offers timestamp-query (both fields or neither).
    const timed = 'gpu_ms_per_step' in m ? ['gpu_ms_per_step', 'tflops'] : [];
    expect(Object.keys(m).sort()).toEqual(
      [
        ...RATES,
        ...timed,
        'backend',
        'adapter',
        'width',
        'batch',
        'params_per_vertex',
        'step',
        'dispatches_per_step',
        'leak_tensors',
        'readbacks_per_step',
      ].sort(),
    );
    expect(Object.fromEntries(run.progress.map((p) => [p.name, p.value]))).toEqual(m);
    // The IDX import's dataset does not outlive the measurement.
    const stored = await page.evaluate(() => window.__studio?.client.call('listDatasets', {}));
    expect(stored?.map((d) => d.id)).not.toContain('idx:benchmark idx');
    // WebGPU trains on the compiled step: VGG11's one-draw SPRO step at batch 4 is the mix, 8
    // conv forwards, 7 input gradients, filter gradients in two passes for c1 and c2 (N·H·W ≥ 512)
    // and one for the rest, 5 pools (2), 3 dense layers (3, dropout fused), the loss and SGD; the
    // tfjs path's host work per step is many times its.
    expect(m).toMatchObject({ backend: 'webgpu', step: 'compiled', width: 0.125, batch: 4, leak_tensors: 0 });
    expect(m.dispatches_per_step).toBe(1 + 8 + 7 + (2 * 2 + 6) + 5 * 2 + 3 * 3 + 1 + 1);
    expect(m.compiled_speedup).toBeCloseTo((m.base_img_s as number) / (m.tfjs_img_s as number), 10);
    expect(m.host_ms_per_step).toBeLessThan(m.host_ms_per_step_tfjs as number);
    expect(m.params_per_vertex).toBe(
      paramCount({ architecture: 'vgg11', widthScale: 0.125, numClasses: 10 }),
    );
    expect(m.readbacks_per_step).toBeGreaterThan(0);
    expect(m.readbacks_per_step).toBeLessThan(1);
    for (const name of RATES) {
      const value = m[name];
      expect(typeof value === 'number' && Number.isFinite(value) && value > 0, `${name} = ${value}`).toBe(
        true,
      );
    }
    for (const name of timed) expect(Number.isFinite(m[name]) && (m[name] as number) > 0, name).toBe(true);
    if (timed.length > 0) expect(m.gpu_ms_per_step).toBeLessThanOrEqual(m.wall_ms_per_step as number);
    expect(m.speedup_vs_naive).toBeCloseTo((m.base_img_s as number) / (m.naive_img_s as number), 10);
    expect(m.spro_overhead).toBeCloseTo((m.base_img_s as number) / (m.spro_img_s as number), 10);

    // One SPRO step with each backward pass: tfjs's filter gradient kernel in one, the studio's
    // matrix products in the other, and the studio's row kernels (one mix and two SGD kernels
    // per parameter) in both.
    const [tfjs, studio] = result.profiles ?? [];
    const calls = (profile: typeof tfjs, kernel: string) =>
      profile?.kernels.find((k) => k.kernel === kernel)?.calls ?? 0;
    expect([tfjs?.convGradients, studio?.convGradients]).toEqual(['tfjs', 'studio']);
    expect(calls(tfjs, 'Conv2DBackpropFilter')).toBeGreaterThan(0);
    expect(calls(studio, 'Conv2DBackpropFilter')).toBe(0);
    expect(calls(studio, 'BatchMatMul')).toBeGreaterThan(calls(tfjs, 'BatchMatMul'));
    for (const profile of [tfjs, studio]) {
      const parameters = calls(profile, 'StudioMixRows');
      expect(parameters).toBeGreaterThan(0);
      expect(calls(profile, 'StudioSgdDirection')).toBe(parameters);
      expect(calls(profile, 'StudioSgdApply')).toBe(parameters);
      expect(profile?.stepMs).toBeGreaterThan(0);
    }
    await page.context().close();
  }, 900_000);
});
