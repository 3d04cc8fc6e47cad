// The Playground in real Chromium: the notebook's experiment opened from its URL trains the whole
// schedule (200 + 3×100 Adam iterations on 100 points) and draws its last frame; the ensemble's
// test error is read from the page and compared with a single vertex's, and the time from Play to
// the last frame is measured. A link with its own experiment rebuilds the same simplex in another
// tab, and the export names its tensors as the reference's SimplexNet of BasicSimplex.

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readSafetensors } from '../../src/engine/formats/safetensors';
import { launchChromium, openStudio } from './chromium';
import { plotTraces } from './plotTraces';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

const status = (page: Page) => page.getByTestId('pg-status');

/** Test errors per predictor, from the table's data attributes. */
async function testErrors(page: Page): Promise<Record<string, number>> {
  const rows = page.getByTestId('pg-errors').locator('tbody tr');
  const out: Record<string, number> = {};
  for (const row of await rows.all()) {
    const label = (await row.getAttribute('data-label')) ?? '';
    out[label] = Number(await row.locator('[data-field="test"]').getAttribute('data-value'));
  }
  return out;
}

async function playToEnd(page: Page): Promise<number> {
  await expect.poll(() => page.getByTestId('pg-play').isEnabled(), { timeout: 60_000 }).toBe(true);
  const start = Date.now();
  await page.getByTestId('pg-play').click();
  await expect
    .poll(() => status(page).getAttribute('data-done'), { timeout: 120_000, interval: 50 })
    .toBe('true');
  // The last frame is drawn: every face's surface is there.
  await expect.poll(() => page.getByTestId('pg-face').count(), { timeout: 30_000 }).toBeGreaterThan(0);
  return Date.now() - start;
}

describe('the playground', () => {
  it('trains the notebook’s schedule from its URL in seconds, and the ensemble beats a vertex', async () => {
    const page = await openStudio(browser, '#playground');
    const wall = await playToEnd(page);
    expect(await status(page).textContent()).toMatch(/^Iteration 500 of 500 \(vertex 3 of 3\), 4 vertices/);
    const elapsed = Number(await status(page).getAttribute('data-elapsed'));
    const errors = await testErrors(page);
    console.log(
      `playground: notebook schedule ${wall} ms to the last frame (${elapsed} ms in the worker); test errors ${JSON.stringify(errors)}`,
    );
    // Four faces of the four vertices (the notebook's 2×2 grid), and the boundary of the ensemble.
    expect(await page.getByTestId('pg-face').count()).toBe(4);
    // The last frame's faces are on the notebook's 15×15 grid, of the last iteration.
    const face = await plotTraces(page, 'pg-face');
    expect(face[0]?.z).toHaveLength(15);
    const boundary = await plotTraces(page, 'pg-boundary');
    expect(boundary[0]?.type).toBe('heatmap');
    expect(boundary[0]?.z).toHaveLength(30);
    const ensemble = errors['ensemble of 100 points'] ?? NaN;
    const vertices = [0, 1, 2, 3].map((v) => errors[`vertex ${v}`] ?? NaN);
    // Separates the noisy spirals: far from chance, and no worse than its mean vertex.
    expect(ensemble).toBeLessThan(0.2);
    expect(ensemble).toBeLessThanOrEqual(vertices.reduce((a, b) => a + b, 0) / 4);
    // Loss per iteration and the volume, for the whole schedule.
    const curves = await plotTraces(page, 'pg-loss');
    expect(curves[0]?.y).toHaveLength(500);
    await page.context().close();
  }, 300_000);

  it('rebuilds the same experiment from a link, and exports BasicSimplex’s names', async () => {
    const link =
      '#playground?dataset=moons&noise=0.5&vertices=3&baseIterations=40&vertexIterations=20&nSample=2&seed=7';
    const first = await openStudio(browser, link);
    expect(await first.locator('#pg-dataset').inputValue()).toBe('moons');
    expect(await first.getByTestId('pg-seed').inputValue()).toBe('7');
    await playToEnd(first);
    const a = await testErrors(first);
    expect(Object.keys(a)).toEqual(['vertex 0', 'vertex 1', 'vertex 2', 'ensemble of 100 points']);

    const second = await openStudio(browser, link);
    await playToEnd(second);
    expect(await testErrors(second)).toEqual(a);
    const boundaryA = (await plotTraces(first, 'pg-boundary'))[0]?.z;
    expect((await plotTraces(second, 'pg-boundary'))[0]?.z).toEqual(boundaryA);

    // A changed field is written back into the address.
    await second.getByTestId('pg-hidden').fill('12');
    await second.getByRole('button', { name: 'Reset with these' }).click();
    expect(decodeURIComponent(new URL(second.url()).hash)).toContain('hidden=12');

    const download = first.waitForEvent('download');
    await first.getByRole('button', { name: 'Export safetensors' }).click();
    const file = readSafetensors(new Uint8Array(await readFile(await (await download).path())));
    const names = [...file.tensors.keys()];
    expect(names).toHaveLength(8 * 2 * 3);
    expect(names).toContain('net.fc7.weight_2');
    expect(file.tensors.get('net.fc1.weight_0')?.shape).toEqual([25, 2]);
    expect(file.tensors.get('net.fc8.bias_1')?.shape).toEqual([1]);
    await first.context().close();
    await second.context().close();
  }, 300_000);
});
