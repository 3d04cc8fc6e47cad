// The Surfaces section in real Chromium on WebGPU (SwiftShader): import the reference 3-vertex
// VGG16 (width 1/8) through the Models section's file input, compute a small face on the synthetic
// train split, check the plot (contour values, triangle, vertex markers), download the grid as CSV,
// JSON and PNG, switch the colour scale to log and back, evaluate the point under a mouse click,
// draw both faces of a two-face complex (the fixture plus a fourth vertex) side by side on one
// colour scale, cancel a computation, and reopen the surface from the cache after a reload. The
// reload comes last: its fresh worker would compile the evaluator's kernels again (most of a
// minute on SwiftShader), which the complex's faces reuse from the first worker.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import type {} from '../../src/ui/debugHandle';
import { readSafetensors, writeSafetensors } from '../../src/engine/formats/safetensors';
import { launchChromium, openStudio } from './chromium';
import { plotTraces, type Trace } from './plotTraces';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/reference');
const GRID = 5;
const IMAGES = 16;
const SMALL_GRID = 3;

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser, '#models');
});
afterAll(async () => {
  await browser.close();
});

/** The face plot's traces once Plotly has drawn the finished grid (it draws on the next frame). */
async function plotData(): Promise<Trace[]> {
  const read = () => plotTraces(page, 'surface-plot');
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

/** Picks the model whose option label starts with `name`; answers that label. */
async function selectModel(name: string): Promise<string> {
  const model = page.getByTestId('surface-model');
  const label = (await model.locator('option').allTextContents()).find((t) => t.startsWith(name)) ?? '';
  await model.selectOption({ label });
  return label;
}

async function download(testId: string): Promise<{ name: string; text: string }> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: dl.suggestedFilename(), text: await readFile(await dl.path(), 'utf8') };
}

/** The stored grid's loss values of the face the first tests computed (answered from the cache). */
async function storedLoss(): Promise<number[]> {
  return page.evaluate(
    async ({ gridSize, images }) => {
      const client = window.__studio?.client;
      if (!client) throw new Error('no debug handle');
      const { models } = await client.call('listModels', {});
      const { grid, cached } = await client.call('computeSurface', {
        modelId: models.find((m) => m.name === 'vertices')?.id ?? '',
        face: [0, 1, 2],
        settings: { datasetId: 'synthetic', split: 'train', images, gridSize, margin: 0.2, metric: 'loss' },
      });
      if (!cached) throw new Error('the surface was not in the cache');
      return grid.loss;
    },
    { gridSize: GRID, images: IMAGES },
  );
}

/** The reference vertices plus a fourth, v1 + v2 − v0, as a complex of two triangles sharing an edge. */
async function twoFaceComplex(): Promise<Buffer> {
  const file = readSafetensors(await readFile(path.join(FIXTURES, 'vertices.safetensors')));
  const tensors = [...file.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data }));
  for (const [name, t] of file.tensors) {
    if (!name.endsWith('_0')) continue;
    const stem = name.slice(0, -2);
    const at = (i: number) => file.tensors.get(`${stem}_${i}`)?.data ?? new Float32Array(t.data.length);
    const [v0, v1, v2] = [at(0), at(1), at(2)];
    tensors.push({
      name: `${stem}_3`,
      shape: t.shape,
      data: v1.map((x, k) => x + (v2[k] ?? 0) - (v0[k] ?? 0)),
    });
  }
  return Buffer.concat(writeSafetensors(tensors, { format: 'pt', complex: '[[0,1,2],[1,2,3]]' }));
}

/** The chunk types, IHDR fields and concatenated image data of a PNG; throws if it is not one. */
function readPng(bytes: Buffer): {
  chunks: string[];
  width: number;
  height: number;
  bitDepth: number;
  colourType: number;
  idat: Buffer;
} {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!bytes.subarray(0, 8).equals(signature)) throw new Error('not a PNG signature');
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let header: Buffer | null = null;
  for (let at = 8; at < bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (data.length !== length) throw new Error(`chunk ${type} is truncated`);
    chunks.push(type);
    if (type === 'IHDR') header = data;
    if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  if (!header || header.length !== 13) throw new Error('no IHDR chunk');
  return {
    chunks,
    width: header.readUInt32BE(0),
    height: header.readUInt32BE(4),
    bitDepth: header.readUInt8(8),
    colourType: header.readUInt8(9),
    idat: Buffer.concat(idat),
  };
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

  it('computes the edge profiles, saying how far it is and when it is done', async () => {
    const panel = page.getByTestId('edge-profiles');
    await panel.getByRole('button', { name: 'Compute edge profiles' }).click();
    const status = panel.getByTestId('edge-status');
    expect(await status.textContent()).toMatch(/^Computing: \d of 3 edges done…$/);
    await expect
      .poll(() => status.textContent(), { timeout: 120_000 })
      .toMatch(/^Computed: 3 edges × \d+ points in \d+\.\d s\.$/);
    const chart = panel.getByRole('img', { name: 'Loss along edges' });
    const names = () =>
      chart.evaluate((el) =>
        ((el as HTMLElement & { data?: { name: string }[] }).data ?? []).map((t) => t.name),
      );
    await expect.poll(names, { timeout: 30_000 }).toHaveLength(3);
    const traces = await names();
    expect(traces).toEqual(['v0 → v1', 'v0 → v2', 'v1 → v2']);
  });

  it('switches the colour scale to the log10 of the plotted values and back', async () => {
    const raw = await storedLoss();
    const contour = async () => (await plotData()).find((t) => t.type === 'contour');
    const title = async () => (await contour())?.colorbar?.title?.text;

    // Without clipping, the linear plot draws the values themselves.
    await page.getByTestId('surface-clip').selectOption('1');
    await expect.poll(async () => (await contour())?.zmax).toBe(Math.max(...raw));
    expect((await contour())?.z?.flat()).toEqual(raw);
    expect(await title()).toBe('Cross-entropy');

    await page.getByTestId('surface-scale').selectOption('log');
    await expect.poll(title).toBe('Cross-entropy (log scale)');
    const log = await contour();
    const logZ = log?.z?.flat() ?? [];
    expect(logZ).toHaveLength(raw.length);
    logZ.forEach((z, k) => {
      expect(z).toBeCloseTo(Math.log10(raw[k] ?? NaN), 12);
    });
    expect(log?.zmin).toBeCloseTo(Math.log10(Math.min(...raw)), 12);
    expect(log?.zmax).toBeCloseTo(Math.log10(Math.max(...raw)), 12);
    // The colour bar is labelled with the values, at their logarithms, within the drawn range.
    const ticks = (log?.colorbar?.ticktext ?? []).map(Number);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    ticks.forEach((t, k) => {
      const at = log?.colorbar?.tickvals?.[k] ?? NaN;
      expect(Math.abs(Math.log10(t) - at)).toBeLessThan(1e-9);
      expect(at).toBeGreaterThanOrEqual((log?.zmin ?? NaN) - 1e-9);
      expect(at).toBeLessThanOrEqual((log?.zmax ?? NaN) + 1e-9);
    });

    // Clipping at a percentile caps the log values at the log of the same percentile.
    await page.getByTestId('surface-clip').selectOption('0.75');
    await expect.poll(async () => (await contour())?.zmax).toBeLessThan(Math.log10(Math.max(...raw)));
    const clipped = await contour();
    const top = clipped?.zmax ?? NaN;
    expect(10 ** top).toBeGreaterThan(Math.min(...raw));
    clipped?.z?.flat().forEach((z, k) => {
      expect(z).toBeCloseTo(Math.min(Math.log10(raw[k] ?? NaN), top), 12);
    });

    await page.getByTestId('surface-clip').selectOption('1');
    await page.getByTestId('surface-scale').selectOption('linear');
    await expect.poll(title).toBe('Cross-entropy');
    expect((await contour())?.z?.flat()).toEqual(raw);
  });

  it('exports the face as a PNG image', async () => {
    const [dl] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('surface-export-png').click(),
    ]);
    expect(dl.suggestedFilename()).toBe(`vertices_face-0-1-2_${GRID}x${GRID}.png`);
    const png = readPng(await readFile(await dl.path()));
    expect(png.width).toBeGreaterThan(100);
    expect(png.width).toBeLessThan(5000);
    expect(png.height).toBeGreaterThan(100);
    expect(png.height).toBeLessThan(5000);
    expect(png.chunks[0]).toBe('IHDR');
    expect(png.chunks.at(-1)).toBe('IEND');
    // The image data is a complete zlib stream of one filtered row per line of the image.
    const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[png.colourType] ?? NaN;
    expect(png.bitDepth).toBe(8);
    expect(inflateSync(png.idat).length).toBe(png.height * (1 + png.width * channels));
  });

  it('evaluates the point under a mouse click on the plot, between the grid points', async () => {
    const plot = page.getByTestId('surface-plot').first();
    await expect.poll(() => plot.getAttribute('data-rendered')).toBe('true');
    const { u, v, box, xRange, yRange } = await plot.evaluate((el) => {
      const gd = el as HTMLElement & {
        data: Trace[];
        _fullLayout: { xaxis: { range: [number, number] }; yaxis: { range: [number, number] } };
      };
      const contour = gd.data.find((t) => t.type === 'contour');
      const drag = el.querySelector('.nsewdrag')?.getBoundingClientRect();
      return {
        u: Array.from(contour?.x ?? []),
        v: Array.from(contour?.y ?? []),
        box: drag ? { left: drag.left, top: drag.top, width: drag.width, height: drag.height } : null,
        xRange: gd._fullLayout.xaxis.range,
        yRange: gd._fullLayout.yaxis.range,
      };
    });
    if (!box) throw new Error('the plot has no drag area');
    // Halfway between grid points, so a click that snapped to the nearest point would be seen.
    const target = { u: ((u[1] ?? NaN) + (u[2] ?? NaN)) / 2, v: ((v[1] ?? NaN) + (v[2] ?? NaN)) / 2 };
    const perPixel = (xRange[1] - xRange[0]) / box.width;
    const x = box.left + ((target.u - xRange[0]) / (xRange[1] - xRange[0])) * box.width;
    const y = box.top + ((yRange[1] - target.v) / (yRange[1] - yRange[0])) * box.height;
    await page.mouse.click(x, y);

    const readout = page.getByTestId('surface-point');
    await expect.poll(() => readout.textContent(), { timeout: 60_000 }).toMatch(/^At \(u /);
    const text = (await readout.textContent()) ?? '';
    const m = /^At \(u (\S+), v (\S+)\): loss (\S+), accuracy (\S+)% on (\d+) images\. (Inside|Outside)/.exec(
      text,
    );
    if (!m) throw new Error(`unexpected readout: ${text}`);
    const shown = { u: Number(m[1]), v: Number(m[2]), loss: Number(m[3]), accuracy: m[4] };
    expect(Math.abs(shown.u - target.u)).toBeLessThan(2 * perPixel);
    expect(Math.abs(shown.v - target.v)).toBeLessThan(2 * perPixel);
    expect(Number(m[5])).toBe(IMAGES);

    const direct = await page.evaluate(
      async ({ u, v, images }) => {
        const client = window.__studio?.client;
        if (!client) throw new Error('no debug handle');
        const { models } = await client.call('listModels', {});
        return client.call('evaluateSurfacePoint', {
          modelId: models.find((x) => x.name === 'vertices')?.id ?? '',
          face: [0, 1, 2],
          u,
          v,
          data: { datasetId: 'synthetic', split: 'train', images },
        });
      },
      { u: shown.u, v: shown.v, images: IMAGES },
    );
    expect(Math.abs(direct.loss - shown.loss)).toBeLessThan(1e-3);
    expect((100 * direct.accuracy).toFixed(1)).toBe(shown.accuracy);
    expect(m[6]).toBe(direct.inside ? 'Inside' : 'Outside');
  });

  it('draws every face of a complex side by side on one colour scale', async () => {
    await page.evaluate(() => {
      window.location.hash = '#models';
    });
    await page.getByLabel('Import model file').setInputFiles({
      name: 'two-faces.safetensors',
      mimeType: 'application/octet-stream',
      buffer: await twoFaceComplex(),
    });
    await expect.poll(() => page.getByTestId('model-row').count(), { timeout: 60_000 }).toBe(2);

    await openSurfaces();
    expect(await selectModel('two-faces')).toContain('4 vertices');
    const faceChoice = page.getByTestId('surface-face-choice');
    expect(await faceChoice.locator('option').first().textContent()).toBe('All 2 faces');
    await faceChoice.selectOption('all');
    await page.getByTestId('surface-grid-size').fill(String(SMALL_GRID));
    await page.getByTestId('surface-compute').click();

    const statuses = page.getByTestId('surface-status');
    await expect
      .poll(async () => (await statuses.allTextContents()).map((s) => s.slice(0, s.indexOf(' on '))), {
        timeout: 240_000,
      })
      .toEqual(['Computed: 3×3 points', 'Computed: 3×3 points']);

    const faces = page.getByTestId('surface-face');
    expect(await faces.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.face))).toEqual([
      '0,1,2',
      '1,2,3',
    ]);
    const plots = page.getByTestId('surface-plot');
    await expect
      .poll(() => plots.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.rendered)))
      .toEqual(['true', 'true']);
    const drawn = await plots.evaluateAll((els) =>
      els.map((el) => {
        const gd = el as HTMLElement & { data: Trace[]; layout: { title?: { text?: string } } };
        return { data: gd.data, title: gd.layout.title?.text };
      }),
    );
    expect(drawn.map((d) => d.title)).toEqual(['Face v0, v1, v2', 'Face v1, v2, v3']);
    const labels = drawn.map((d) =>
      d.data.flatMap((t) => (t.type === 'scatter' && t.name !== 'triangle' ? (t.text ?? []) : [])).sort(),
    );
    expect(labels).toEqual([
      ['v0', 'v1', 'v2'],
      ['v1', 'v2', 'v3'],
    ]);
    const contours = drawn.map((d) => d.data.find((t) => t.type === 'contour'));
    for (const c of contours) {
      expect(c?.z?.flat()).toHaveLength(SMALL_GRID * SMALL_GRID);
      expect(c?.z?.flat().every((x) => typeof x === 'number' && Number.isFinite(x))).toBe(true);
    }
    // One colour scale: the same range on both, spanning both faces' values, one colour bar.
    expect(contours[1]?.zmin).toBe(contours[0]?.zmin);
    expect(contours[1]?.zmax).toBe(contours[0]?.zmax);
    const all = contours.flatMap((c) => (c?.z?.flat() ?? []) as number[]);
    expect(contours[0]?.zmin).toBe(Math.min(...all));
    expect(contours.map((c) => c?.showscale)).toEqual([false, true]);
  });

  it('evaluates a plane point, cancels a computation, and reopens the surface from the cache after a reload', async () => {
    const evaluated = await page.evaluate(async () => {
      const client = window.__studio?.client;
      if (!client) throw new Error('no debug handle');
      const { models } = await client.call('listModels', {});
      const id = models.find((m) => m.name === 'vertices')?.id ?? '';
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
          modelId: models.find((m) => m.name === 'vertices')?.id ?? '',
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
    await selectModel('vertices');
    const started = Date.now();
    await page.getByTestId('surface-compute').click();
    await expect
      .poll(() => page.getByTestId('surface-status').textContent(), { timeout: 30_000 })
      .toMatch(/^From the cache: 5×5 points/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await plotData()).find((t) => t.type === 'contour')?.z).toHaveLength(GRID);
  });
});
