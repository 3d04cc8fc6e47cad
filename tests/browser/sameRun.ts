// One training run, twice: the browser tests that check two ways of computing the same thing
// (two conv backward passes, the compiled step against the tfjs path, GPU kernels against their
// CPU definition) train one tiny run in
// a fresh tab per variant, through the worker's protocol, and compare what comes out.

import { expect } from 'vitest';
import type { Browser } from 'playwright-core';
import type {} from '../../src/ui/debugHandle';
import type { SafetensorsFile } from '../../src/engine/formats/safetensors';
import { defaultSettings, type TrainSettings } from '../../src/protocol/settings';
import { openStudio } from './chromium';
import { exportedTensors } from './exported';

/** A base run of four steps on a width-1/8 VGG11: two ways of computing it must agree. */
export const TINY_BASE_RUN: TrainSettings = {
  ...defaultSettings('base'),
  architecture: 'vgg11',
  widthScale: 0.125,
  batchSize: 8,
  baseEpochs: 2,
  trainLimit: 16,
  testLimit: 8,
  readEvery: 1,
};

export interface Trained {
  /** The status bar's conv-gradients line. */
  convShown: string;
  /** The status bar's training-step line. */
  stepShown: string;
  losses: number[];
  lambdas: number[];
  weights: SafetensorsFile;
}

/** Trains `settings` to the end in a tab opened at `query`, once the status bar names `backend`. */
export async function trainInTab(
  browser: Browser,
  query: string,
  backend: string,
  settings: TrainSettings,
): Promise<Trained> {
  const page = await openStudio(browser, query);
  await page.getByTestId('backend-status').filter({ hasText: backend }).waitFor({ timeout: 60_000 });
  const convShown = (await page.getByTestId('conv-gradients').textContent()) ?? '';
  const stepShown = (await page.getByTestId('training-step').textContent()) ?? '';
  await page.evaluate(() => window.__studio?.client.call('listDatasets', {}));
  const run = await page.evaluate(
    (s) =>
      window.__studio?.client
        .call('createRun', { settings: s, name: 'same run' })
        .then((r) => window.__studio?.client.call('train', { runId: r.id })),
    settings,
  );
  expect(run?.status).toBe('done');
  const weights = await exportedTensors(page, run?.modelIds[0] ?? '');
  await page.context().close();
  return {
    convShown,
    stepShown,
    losses: run?.history.steps.map((s) => s.loss) ?? [],
    lambdas: run?.history.epochs.map((e) => e.lambda) ?? [],
    weights,
  };
}

/** Same tensor names, and each tensor within `rtol` of its largest magnitude. */
export function expectSameWeights(a: SafetensorsFile, b: SafetensorsFile, rtol: number): void {
  expect([...a.tensors.keys()]).toEqual([...b.tensors.keys()]);
  for (const [name, t] of a.tensors) {
    const other = b.tensors.get(name)?.data ?? new Float32Array(0);
    const scale = Math.max(...t.data.map(Math.abs));
    const worst = Math.max(...t.data.map((v, i) => Math.abs(v - (other[i] ?? NaN))));
    expect(worst, name).toBeLessThan(rtol * scale);
  }
}

/** Same number of losses, each within `rtol` of the first run's. */
export function expectSameLosses(a: number[], b: number[], rtol: number): void {
  expect(b).toHaveLength(a.length);
  a.forEach((loss, i) => {
    expect(Math.abs(loss - (b[i] ?? NaN))).toBeLessThan(rtol * Math.abs(loss));
  });
}
