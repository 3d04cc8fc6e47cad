// The mode-connecting complex and the ESPRO ensemble, trained end to end through the Train section
// on WebGPU (SwiftShader). The complex joins the PyTorch reference vertices 0 and 1, imported as
// modes through the Models section; the ensemble grows two components from nothing. Each result
// must land in the model library with the structure its procedure promises (vertices, simplexes,
// frozen flags, roles), the complex's modes bit for bit as imported, and finite metrics. One
// optimizer step per stage keeps each run to a minute or two here. A one-vertex SPRO simplex of a
// full-width VGG11 checks that a vertex can be added to layers of millions of weights.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser, Page } from 'playwright-core';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModelSummary } from '../../src/protocol/commands/models';
import { readSafetensors, type SafetensorsFile } from '../../src/engine/formats/safetensors';
import { launchChromium, openStudio } from './chromium';
import { bitsOf, exportedTensors } from './exported';
import { fillTinySettings, runCard, startForm } from './trainForm';
import { rateForBatch } from '../../src/protocol/settings';

const SLOW = 600_000;
const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/reference');

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await openStudio(browser, '#models');
});
afterAll(async () => {
  await browser.close();
});

async function readFixture(name: string): Promise<SafetensorsFile> {
  return readSafetensors(new Uint8Array(await readFile(path.join(FIXTURES, name))));
}

/** Statuses a run ends in. */
const ENDED = ['done', 'failed', 'diverged', 'stopped'];

/**
 * Starts the filled form and waits for the run to end; it must be done with no error shown. A
 * failed run fails the test at once, with the card's error in the message.
 */
async function startAndFinish(name: string): Promise<void> {
  await startForm(page).getByRole('button', { name: 'Start' }).click();
  const card = runCard(page, name);
  const status = () => card.getAttribute('data-status').catch(() => null);
  await expect.poll(async () => ENDED.includes((await status()) ?? ''), { timeout: SLOW }).toBe(true);
  const alerts = await card.getByRole('alert').allInnerTexts();
  expect({ status: await status(), alerts }).toEqual({ status: 'done', alerts: [] });
}

async function libraryModel(name: string): Promise<ModelSummary | undefined> {
  const library = await page.evaluate(() => window.__studio?.client.call('listModels', {}));
  return library?.models.find((m) => m.name === name);
}

/** λ of each epoch the run recorded, in order. */
async function epochLambdas(name: string): Promise<number[] | undefined> {
  const runs = await page.evaluate(() => window.__studio?.client.call('listRuns', {}));
  return runs?.find((r) => r.name === name)?.history.epochs.map((e) => e.lambda);
}

/** One network's weights by their VGG16 names (`c1.weight`, …). */
type Weights = Map<string, Float32Array>;

function weightsOf(file: SafetensorsFile): Weights {
  return new Map([...file.tensors].map(([name, t]) => [name, t.data]));
}

/** Vertex `v` of a SimplexNet export (`net.c1.weight_v`, …). */
function vertexOf(file: SafetensorsFile, v: number): Weights {
  const vertex: Weights = new Map();
  for (const [key, t] of file.tensors) {
    const match = /^net\.(.+)_(\d+)$/.exec(key);
    if (match?.[1] !== undefined && Number(match[2]) === v) vertex.set(match[1], t.data);
  }
  return vertex;
}

function sameBits(a: Weights, b: Weights): boolean {
  return a.size === b.size && [...a].every(([name, data]) => bitsOf(data).equals(bitsOf(b.get(name))));
}

/** Largest |a − b| over every weight (Infinity when the two do not have the same tensors). */
function maxDistance(a: Weights, b: Weights): number {
  let max = a.size === b.size ? 0 : Infinity;
  for (const [name, x] of a) {
    const y = b.get(name);
    if (y?.length !== x.length) return Infinity;
    x.forEach((value, i) => (max = Math.max(max, Math.abs(value - (y[i] ?? Number.NaN)))));
  }
  return max;
}

/** The mean of the vertices, weight by weight. */
function centroidOf(vertices: Weights[]): Weights {
  const [first, ...rest] = vertices;
  return new Map(
    [...(first ?? [])].map(([name, x]) => [
      name,
      x.map(
        (value, i) =>
          rest.reduce((sum, v) => sum + (v.get(name)?.[i] ?? Number.NaN), value) / vertices.length,
      ),
    ]),
  );
}

/** The two have the same tensors, and some weight differs by more than `atLeast`. */
function expectApart(a: Weights, b: Weights, label: string, atLeast = 0): void {
  const distance = maxDistance(a, b);
  expect(distance, label).toBeGreaterThan(atLeast);
  expect(distance, label).toBeLessThan(Infinity);
}

function expectFiniteMetrics(model: ModelSummary | undefined): void {
  const metrics = model?.metrics ?? {};
  expect(Object.keys(metrics).sort()).toEqual([
    'testAccuracy',
    'testLoss',
    'trainAccuracy',
    'trainLoss',
    'volume',
  ]);
  for (const [name, value] of Object.entries(metrics)) {
    expect(Number.isFinite(value), `${name} = ${String(value)}`).toBe(true);
  }
}

describe('procedures of several stages, through the Train section', () => {
  it(
    'connects two imported modes through two connectors and keeps the modes bit for bit',
    async () => {
      const fileInput = page.getByLabel('Import model file');
      await fileInput.waitFor({ timeout: 60_000 });
      await fileInput.setInputFiles(path.join(FIXTURES, 'vertex0.safetensors'));
      await expect.poll(() => page.getByTestId('model-row').count(), { timeout: 60_000 }).toBe(1);
      await fileInput.setInputFiles(path.join(FIXTURES, 'vertex1.safetensors'));
      await expect.poll(() => page.getByTestId('model-row').count(), { timeout: 60_000 }).toBe(2);

      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Train' }).click();
      const form = startForm(page);
      await form.waitFor({ timeout: 120_000 });
      await form.getByLabel('Procedure').selectOption('complex');
      // The complex trainer's 0.005 (for batches of 128) at the form's batch.
      const batch = Number(await form.getByLabel('Batch size').inputValue());
      expect(await form.getByLabel('Vertex learning rate').inputValue()).toBe(
        String(rateForBatch(0.005, batch)),
      );
      await fillTinySettings(form, {
        name: 'tiny complex',
        trainImages: 8,
        testImages: 8,
        architecture: 'vgg16',
      });
      await form.getByRole('checkbox', { name: /^vertex0 / }).check();
      await form.getByRole('checkbox', { name: /^vertex1 / }).check();
      await form.getByLabel('Connectors').fill('2');
      await form.getByLabel('Epochs per vertex').fill('1');
      await form.getByLabel('Draws per batch (n_sample)').fill('1');
      await startAndFinish('tiny complex');

      const made = await libraryModel('tiny complex');
      expect(made).toMatchObject({
        kind: 'complex',
        vertexCount: 4,
        complex: [
          [0, 2, 3],
          [1, 2, 3],
        ],
        frozen: [true, true, true, false],
        roles: ['mode', 'mode', 'connector', 'connector'],
        source: { kind: 'run', runName: 'tiny complex' },
      });
      expectFiniteMetrics(made);
      // The reference trains the first connector without the volume term, the second with it.
      const lambdas = await epochLambdas('tiny complex');
      expect(lambdas?.length).toBe(2);
      expect(lambdas?.[0]).toBe(0);
      expect(lambdas?.[1]).toBeGreaterThan(0);

      const file = await exportedTensors(page, made?.id ?? '');
      const mode0 = weightsOf(await readFixture('vertex0.safetensors'));
      const mode1 = weightsOf(await readFixture('vertex1.safetensors'));
      expect(mode0.size).toBe(32);
      expect(sameBits(vertexOf(file, 0), mode0), 'mode 0 as imported').toBe(true);
      expect(sameBits(vertexOf(file, 1), mode1), 'mode 1 as imported').toBe(true);
      // Each connector started at the centroid of the vertices it joins and trained away from it,
      // far beyond float32 rounding of that centroid (~1e-8 at these magnitudes).
      const connector2 = vertexOf(file, 2);
      expectApart(connector2, centroidOf([mode0, mode1]), 'connector 2 from its start', 1e-6);
      expectApart(
        vertexOf(file, 3),
        centroidOf([mode0, mode1, connector2]),
        'connector 3 from its start',
        1e-6,
      );
    },
    SLOW,
  );

  it(
    'trains a two-component ESPRO ensemble into one library model of disjoint simplexes',
    async () => {
      const form = startForm(page);
      await form.getByLabel('Procedure').selectOption('ensemble');
      await fillTinySettings(form, { name: 'tiny espro', trainImages: 8, testImages: 8 });
      await form.getByLabel('Components').fill('2');
      await form.getByLabel('Vertices to add').fill('1');
      await form.getByLabel('Base epochs').fill('1');
      await form.getByLabel('Epochs per vertex').fill('1');
      await form.getByLabel('Draws per batch (n_sample)').fill('1');
      await startAndFinish('tiny espro');

      const made = await libraryModel('tiny espro');
      expect(made).toMatchObject({
        kind: 'ensemble',
        vertexCount: 4,
        complex: [
          [0, 1],
          [2, 3],
        ],
        frozen: [true, false, true, false],
        roles: ['mode', 'vertex', 'mode', 'vertex'],
        spec: { architecture: 'vgg11', widthScale: 0.125, numClasses: 10 },
        source: { kind: 'run', runName: 'tiny espro' },
      });
      expectFiniteMetrics(made);
      // Base stages train plain cross-entropy; each added vertex has the volume term.
      const lambdas = await epochLambdas('tiny espro');
      expect(lambdas?.map((l) => l > 0)).toEqual([false, true, false, true]);

      // Components are independent: their base vertices start from different initialisations, and
      // each added vertex trained away from its base vertex.
      const file = await exportedTensors(page, made?.id ?? '');
      const vertex = (v: number) => vertexOf(file, v);
      expect(vertex(0).size).toBe(22);
      expectApart(vertex(0), vertex(2), 'the two base vertices');
      expectApart(vertex(1), vertex(0), 'component 1: added vertex from its base');
      expectApart(vertex(3), vertex(2), 'component 2: added vertex from its base');
    },
    SLOW,
  );

  it(
    'adds a SPRO vertex to a full-width VGG11, whose 512×512 convs are too wide for one tf.mean',
    async () => {
      // At width 1, c5–c8 hold 3·3·512·512 = 2.4 million weights each. tf.mean over axis 0
      // transposes first, and a WebGPU transpose cannot dispatch more than 65535 × 16 columns.
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Train' }).click();
      const form = startForm(page);
      await form.waitFor({ timeout: 120_000 });
      await form.getByLabel('Procedure').selectOption('ensemble');
      await fillTinySettings(form, { name: 'full-width spro', trainImages: 2, testImages: 2 });
      await form.getByLabel('Width scale').selectOption('1');
      await form.getByLabel('Batch size').fill('2');
      await form.getByLabel('Components').fill('1');
      await form.getByLabel('Vertices to add').fill('1');
      await form.getByLabel('Base epochs').fill('1');
      await form.getByLabel('Epochs per vertex').fill('1');
      await form.getByLabel('Draws per batch (n_sample)').fill('1');
      await startAndFinish('full-width spro');

      const made = await libraryModel('full-width spro');
      expect(made).toMatchObject({
        kind: 'ensemble',
        vertexCount: 2,
        complex: [[0, 1]],
        frozen: [true, false],
        spec: { architecture: 'vgg11', widthScale: 1, numClasses: 10 },
      });
      expectFiniteMetrics(made);
      const lambdas = await epochLambdas('full-width spro');
      expect(lambdas?.map((l) => l > 0)).toEqual([false, true]);
      // The added vertex started at the centroid of the frozen base vertex alone, i.e. on it: a
      // volume above 0 says it trained away from there.
      expect(made?.metrics?.volume).toBeGreaterThan(0);
    },
    SLOW,
  );
});
