// The Surfaces section in real Chromium on WebGPU (SwiftShader): import the reference 3-vertex
// VGG16 (width 1/8) through the Models section's file input, compute a small face on the synthetic
// train split, check the plot (contour values, triangle, vertex markers), reopen it from the cache
// after a reload, evaluate a point, cancel a computation, and download the grid as CSV and JSON.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { launchChromium, openStudio } from './chromium';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/reference');
const GRID = 5;
const IMAGES = 16;

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser, '#models');
});
afterAll(async () => {
  await browser.close();
});

interface Trace {
  type?: string;
  name?: string;
  x?: ArrayLike<number>;
  z?: (number | null)[][];
  text?: string[];
}

/** The face plot's traces once Plotly has drawn the finished grid (it draws on the next frame). */
async function plotData(): Promise<Trace[]> {
  const read = () =>
    page
      .getByTestId('surface-plot')
      .first()
      .evaluate((el) => (el as HTMLElement & { data?: Trace[] }).data ?? []);
  await expect
    .poll(
      async () =>
        (await read())
          .find((t) => t.type === 'contour')
          ?.z?.flat()
          .filter((x) => x !== null).length,
      {
        timeout: 30_000,
      },
    )
    .toBe(GRID * GRID);
  return read();
}

async function openSurfaces(): Promise<void> {
  await page.evaluate(() => {
    window.location.hash = '#surfaces';
  });
  await page.getByTestId('surface-compute').waitFor({ timeout: 120_000 });
  await page.getByTestId('surface-dataset').selectOption('synthetic');
  await page.getByTestId('surface-split').selectOption('train');
  await page.getByTestId('surface-grid-size').fill(String(GRID));
  await page.getByTestId('surface-images').fill(String(IMAGES));
}

async function download(testId: string): Promise<{ name: string; text: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: dl.suggestedFilename(), text: await readFile(await dl.path(), 'utf8') };
}

describe('surfaces section', () => {
  it('computes a face of an imported simplex and draws the contour, triangle and vertices', async () => {
    await page.getByLabel('Import model file').setInputFiles(path.join(FIXTURES, 'vertices.safetensors'));
    await expect.poll(() => page.getByTestId('model-row').count(), { timeout: 60_000 }).toBe(1);

    await openSurfaces();
    await page.getByTestId('surface-compute').click();
    const status = page.getByTestId('surface-status');
    await expect
      .poll(() => status.textContent(), { timeout: 240_000 })
      .toMatch(/^Computed: 5×5 points on 16 train/);

    const data = await plotData();
    const contour = data.find((t) => t.type === 'contour');
    expect(contour?.z).toHaveLength(GRID);
    expect(contour?.z?.flat().every((x) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
    const triangle = data.find((t) => t.name === 'triangle');
    expect(triangle?.x).toHaveLength(4);
    const labels = data.flatMap((t) => (t.type === 'scatter' && t.name !== 'triangle' ? (t.text ?? []) : []));
    expect(labels.sort()).toEqual(['v0', 'v1', 'v2']);
  });

  it('exports the grid as CSV with one row per point and as JSON describing the basis', async () => {
    const csv = await download('surface-export-csv');
    expect(csv.name).toBe(`vertices_face-0-1-2_${GRID}x${GRID}.csv`);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('i,j,u,v,beta_v0,beta_v1,beta_v2,inside,loss,error');
    expect(lines).toHaveLength(GRID * GRID + 1);
    expect(lines.slice(1).every((l) => l.split(',').length === 10)).toBe(true);

    const json = await download('surface-export-json');
    const parsed = JSON.parse(json.text) as {
      basis: { origin: number; e1: number[]; e2: number[]; vertexCoords: number[][] };
      u: number[];
      loss: (number | null)[][];
    };
    expect(parsed.basis.origin).toBe(0);
    expect(parsed.basis.e1).toHaveLength(3);
    expect(parsed.basis.vertexCoords[0]).toEqual([0, 0]);
    expect(parsed.u).toHaveLength(GRID);
    expect(parsed.loss.flat().filter((x) => x !== null)).toHaveLength(GRID * GRID);
  });

  it('evaluates a plane point, cancels a computation, and reopens the surface from the cache after a reload', async () => {
    const evaluated = await page.evaluate(async () => {
      const client = window.__studio?.client;
      if (!client) throw new Error('no debug handle');
      const { models } = await client.call('listModels', {});
      const id = models[0]?.id ?? '';
      return client.call('evaluateSurfacePoint', {
        modelId: id,
        face: [0, 1, 2],
        u: 0,
        v: 0,
        data: { datasetId: 'synthetic', split: 'train', images: 16 },
      });
    });
    expect(evaluated.inside).toBe(true);
    expect(evaluated.barycentric[0]).toBeCloseTo(1, 9);
    expect(evaluated.loss).toBeGreaterThan(0);

    // A cancelled computation rejects with CANCELLED (checked between groups of points).
    const cancelled = await page.evaluate(async () => {
      const client = window.__studio?.client;
      if (!client) throw new Error('no debug handle');
      const { models } = await client.call('listModels', {});
      const controller = new AbortController();
      const call = client.call(
        'computeSurface',
        {
          modelId: models[0]?.id ?? '',
          face: [0, 1, 2],
          settings: {
            datasetId: 'synthetic',
            split: 'train',
            images: 16,
            gridSize: 9,
            margin: 0.2,
            metric: 'loss',
          },
          recompute: true,
        },
        { signal: controller.signal },
      );
      setTimeout(() => {
        controller.abort();
      }, 50);
      try {
        await call;
        return 'finished';
      } catch (err) {
        return (err as { code?: string }).code ?? String(err);
      }
    });
    expect(cancelled).toBe('CANCELLED');

    await page.reload();
    await openSurfaces();
    const started = Date.now();
    await page.getByTestId('surface-compute').click();
    await expect
      .poll(() => page.getByTestId('surface-status').textContent(), { timeout: 30_000 })
      .toMatch(/^From the cache: 5×5 points/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await plotData()).find((t) => t.type === 'contour')?.z).toHaveLength(GRID);
  });
});
