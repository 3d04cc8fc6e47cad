// The Data section in real Chromium with real IndexedDB: importing the fixture tarballs through
// the file input, what survives a reload, bad input and a full disk that must leave the stored
// dataset alone, the download route through its upstream double, and the synthetic set on first
// start.

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser, Page } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { MB, launchChromium, openStudio, openStudioWithQuota, scratchWrite } from './chromium';
import { fixturePath, readFixture } from './dataFixtures';
import { card, counts, listDatasets } from './datasetCards';
import { setUpstreamMode } from './cifarUpstreamDouble';
import { gzip, makeTar, records } from '../unit/formats/cifarTestFiles';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

function verify(page: Page, id: 'cifar10' | 'cifar100' | 'synthetic') {
  return page.evaluate((id) => window.__studio?.client.call('verifyDataset', { id }), id);
}

/** Keys in datasetChunks, read straight from IndexedDB. */
function chunkKeys(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('simplex-studio');
        open.onerror = () => {
          reject(new Error(String(open.error)));
        };
        open.onsuccess = () => {
          const req = open.result.transaction('datasetChunks').objectStore('datasetChunks').getAllKeys();
          req.onsuccess = () => {
            resolve(req.result.map((k) => JSON.stringify(k)));
            open.result.close();
          };
        };
      }),
  );
}

/** A fresh page with the CIFAR-10 fixture imported: its file input and the stored dataset's info. */
async function withStoredCifar10() {
  const page = await openStudio(browser);
  const input = page.getByTestId('dataset-file-input');
  await input.setInputFiles(fixturePath('cifar-10-binary.tar.gz'));
  await expect.poll(() => counts(page, 'cifar10'), { timeout: 120_000 }).toEqual(['200', '40']);
  const stored = (await listDatasets(page))?.find((d) => d.id === 'cifar10');
  return { page, input, stored };
}

describe('Data section', () => {
  it('has the synthetic set on first start, and imports CIFAR-10 and CIFAR-100 through the file input', async () => {
    const page = await openStudio(browser);
    await expect.poll(() => counts(page, 'synthetic'), { timeout: 120_000 }).toEqual(['10,000', '2,000']);
    expect(await card(page, 'synthetic').getByRole('heading').textContent()).toBe('Synthetic (built-in)');

    for (const [file, id, classes] of [
      ['cifar-10-binary.tar.gz', 'cifar10', 10],
      ['cifar-100-binary.tar.gz', 'cifar100', 100],
    ] as const) {
      await page.getByTestId('dataset-file-input').setInputFiles(fixturePath(file));
      await expect.poll(() => counts(page, id), { timeout: 60_000 }).toEqual(['200', '40']);
      const expected = readFixture(file);
      const verified = await verify(page, id);
      expect(verified?.splits.train).toEqual({ count: 200, classCounts: expected.train.classCounts });
      expect(verified?.splits.test).toEqual({ count: 40, classCounts: expected.test.classCounts });
      const info = (await listDatasets(page))?.find((d) => d.id === id);
      expect(info?.classNames).toHaveLength(classes);
      for (const split of ['train', 'test'] as const) {
        expect(info?.splits[split].imagesCrc32).toBe(expected[split].imagesCrc32);
        expect(info?.splits[split].labelsCrc32).toBe(expected[split].labelsCrc32);
      }
      // The histogram and the sample grid are drawn.
      await expect.poll(() => card(page, id).locator('.histogram .bars path').count()).toBeGreaterThan(0);
      expect(await card(page, id).getByTestId('sample-grid').locator('canvas').count()).toBe(32);
      // Every card, the ones already shown included, keeps its chart's height, above its samples.
      for (const other of ['synthetic', 'cifar10', id]) {
        const chart = await card(page, other).getByTestId('class-histogram').boundingBox();
        const samples = await card(page, other).getByTestId('sample-grid').boundingBox();
        expect(chart?.height, other).toBeGreaterThan(200);
        expect((chart?.y ?? 0) + (chart?.height ?? 0), other).toBeLessThanOrEqual((samples?.y ?? 0) + 1);
      }
    }
    expect(await page.getByTestId('storage-used').textContent()).toMatch(/\d/);

    // Everything is still there after a reload, byte for byte.
    const before = await listDatasets(page);
    await page.reload();
    await expect.poll(() => counts(page, 'cifar100'), { timeout: 60_000 }).toEqual(['200', '40']);
    expect(await counts(page, 'cifar10')).toEqual(['200', '40']);
    expect(await listDatasets(page)).toEqual(before);
    await page.context().close();
  });

  it('rejects a truncated tarball and a JPEG with a specific message and keeps the earlier dataset', async () => {
    const { page, input, stored } = await withStoredCifar10();
    const keysBefore = await chunkKeys(page);

    const tarball = readFileSync(fixturePath('cifar-10-binary.tar.gz'));
    const alert = page.getByRole('alert');
    await input.setInputFiles({
      name: 'cifar-10-binary.tar.gz',
      mimeType: 'application/gzip',
      buffer: tarball.subarray(0, Math.floor(tarball.length * 0.6)),
    });
    await expect.poll(() => alert.textContent(), { timeout: 60_000 }).toMatch(/truncated|corrupt/);
    expect(await alert.textContent()).toContain('cifar-10-binary.tar.gz');

    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]),
      Buffer.alloc(4000, 7),
    ]);
    await input.setInputFiles({ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: jpeg });
    await expect.poll(() => alert.textContent(), { timeout: 60_000 }).toContain('JPEG');

    // The earlier import is untouched: same metadata, same bytes, no chunks left behind.
    expect((await listDatasets(page))?.find((d) => d.id === 'cifar10')).toEqual(stored);
    expect((await verify(page, 'cifar10'))?.checksum).toBe(stored?.checksum);
    expect(await chunkKeys(page)).toEqual(keysBefore);
    expect(await counts(page, 'cifar10')).toEqual(['200', '40']);
    await page.context().close();
  });

  it('refuses joined gzip streams and a split larger than the official one, as the CLI does, keeping the earlier dataset', async () => {
    const { page, input, stored } = await withStoredCifar10();
    const alert = page.getByRole('alert');

    // Two .gz files joined: Node would read both members, Chromium stops at the first; both refuse.
    const tarball = readFileSync(fixturePath('cifar-10-binary.tar.gz'));
    await input.setInputFiles({
      name: 'cifar-10-binary.tar.gz',
      mimeType: 'application/gzip',
      buffer: Buffer.concat([tarball, gzipSync(Buffer.from('more'))]),
    });
    await expect
      .poll(() => alert.textContent(), { timeout: 60_000 })
      .toContain('has data after the end of its gzip stream');

    // 10,001 test records in a few hundred kB: refused from the member's size, not stored.
    const oversized = gzip(
      makeTar([{ name: 'cifar-10-batches-bin/test_batch.bin', bytes: records(10_001, () => [1]) }]),
    );
    await input.setInputFiles({
      name: 'cifar-10-binary.tar.gz',
      mimeType: 'application/gzip',
      buffer: Buffer.from(oversized),
    });
    await expect
      .poll(() => alert.textContent(), { timeout: 60_000 })
      .toMatch(/test split holds at most 10,000 records, as the official one does/);

    expect((await listDatasets(page))?.find((d) => d.id === 'cifar10')).toEqual(stored);
    expect(await counts(page, 'cifar10')).toEqual(['200', '40']);
    await page.context().close();
  });

  it('reports import progress that never goes backwards and ends with one commit', async () => {
    const page = await openStudio(browser);
    const bytes = [...readFileSync(fixturePath('cifar-100-binary.tar.gz'))];
    const run = await page.evaluate(async (bytes) => {
      const file = new File([new Uint8Array(bytes)], 'cifar-100-binary.tar.gz');
      const events: unknown[] = [];
      const info = await window.__studio?.client.call(
        'importDataset',
        { files: [file] },
        {
          onProgress: (p) => {
            events.push(p);
          },
        },
      );
      return { events, count: info?.splits.train.count, size: file.size };
    }, bytes);
    expect(run.count).toBe(200);
    type Event = { stage: string; bytes?: number; totalBytes?: number | null; records: number };
    const events = run.events as Event[];
    const reading = events.filter((e) => e.stage === 'reading');
    const committing = events.filter((e) => e.stage === 'committing');
    expect(committing).toEqual([{ stage: 'committing', records: 240 }]);
    expect(events.at(-1)).toEqual(committing[0]);
    expect(reading.length).toBeGreaterThan(1);
    reading.forEach((e, i) => {
      expect(e.totalBytes).toBe(run.size);
      const prev = reading[i - 1];
      if (prev) {
        expect(e.bytes).toBeGreaterThanOrEqual(prev.bytes ?? 0);
        expect(e.records).toBeGreaterThanOrEqual(prev.records);
      }
    });
    expect(reading.at(-1)?.bytes).toBe(run.size);
    await page.context().close();
  });

  it('downloads through the /api/cifar route, and says to use the file picker when offline', async () => {
    const upstream = inject('cifarUpstreamUrl');
    const page = await openStudio(browser);
    await expect.poll(() => counts(page, 'synthetic'), { timeout: 120_000 }).toEqual(['10,000', '2,000']);
    await page.getByRole('button', { name: 'Download CIFAR-10', exact: true }).click();
    await expect.poll(() => counts(page, 'cifar10'), { timeout: 60_000 }).toEqual(['200', '40']);
    const expected = readFixture('cifar-10-binary.tar.gz');
    const verified = await verify(page, 'cifar10');
    expect(verified?.splits.train.classCounts).toEqual(expected.train.classCounts);

    await setUpstreamMode(upstream, 'offline');
    try {
      const started = Date.now();
      await page.getByRole('button', { name: 'Download CIFAR-100', exact: true }).click();
      const alert = page.getByRole('alert');
      await expect
        .poll(() => alert.textContent(), { timeout: 30_000 })
        .toContain('Could not download CIFAR-100 (offline?)');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await alert.textContent()).toContain('Use the file picker with the tarball instead');
    } finally {
      await setUpstreamMode(upstream, 'online');
    }
    expect(await card(page, 'cifar100').count()).toBe(0);
    await page.context().close();
  });

  it('cancels a download part-way and keeps the earlier dataset', async () => {
    const upstream = inject('cifarUpstreamUrl');
    const page = await openStudio(browser);
    await page.getByTestId('dataset-file-input').setInputFiles(fixturePath('cifar-10-binary.tar.gz'));
    await expect.poll(() => counts(page, 'cifar10'), { timeout: 120_000 }).toEqual(['200', '40']);
    const stored = (await listDatasets(page))?.find((d) => d.id === 'cifar10');
    const keysBefore = await chunkKeys(page);

    await setUpstreamMode(upstream, 'slow');
    try {
      await page.getByRole('button', { name: 'Download CIFAR-10', exact: true }).click();
      const progress = page.getByTestId('import-progress');
      await expect
        .poll(() => progress.textContent(), { timeout: 60_000 })
        .toMatch(/[1-9][\d,]* images stored/);
      await progress.getByRole('button', { name: 'Cancel' }).click();
      await expect
        .poll(() => page.getByTestId('import-note').textContent(), { timeout: 60_000 })
        .toContain('cancelled. The stored datasets are unchanged.');
    } finally {
      await setUpstreamMode(upstream, 'online');
    }
    expect(await page.getByTestId('import-progress').count()).toBe(0);
    expect((await listDatasets(page))?.find((d) => d.id === 'cifar10')).toEqual(stored);
    await expect.poll(() => chunkKeys(page)).toEqual(keysBefore);
    await page.context().close();
  });

  it('stops an import on a full disk with QUOTA_EXCEEDED, leaves no partial dataset, and keeps the earlier one', async () => {
    // Chromium's own quota for the origin, capped before the studio's first write and lowered
    // later through the DevTools protocol (see openStudioWithQuota).
    const { page, setQuota } = await openStudioWithQuota(browser, 64 * MB);
    const context = page.context();
    await expect.poll(() => counts(page, 'synthetic'), { timeout: 120_000 }).toEqual(['10,000', '2,000']);
    const input = page.getByTestId('dataset-file-input');
    await input.setInputFiles(fixturePath('cifar-10-binary.tar.gz'));
    await expect.poll(() => counts(page, 'cifar10'), { timeout: 60_000 }).toEqual(['200', '40']);
    const stored = (await listDatasets(page))?.find((d) => d.id === 'cifar10');
    const keysBefore = await chunkKeys(page);

    // Room for a chunk or two of the new import (six record chunks of 120 KB), not for all of it.
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    await setQuota(usage + 300_000);
    expect(await scratchWrite(page, 32 * MB)).toBe('QuotaExceededError');
    await input.setInputFiles(fixturePath('cifar-10-binary.tar.gz'));
    const alert = page.getByTestId('import-error');
    await expect
      .poll(() => alert.textContent().catch(() => null), { timeout: 60_000 })
      .toContain('The browser refused to store more (disk or storage quota full)');
    expect(await alert.textContent()).toContain('Nothing was changed');

    // Nothing of the failed import is left, and the dataset stored before reads back whole.
    expect(await chunkKeys(page)).toEqual(keysBefore);
    expect((await listDatasets(page))?.find((d) => d.id === 'cifar10')).toEqual(stored);
    expect((await verify(page, 'cifar10'))?.checksum).toBe(stored?.checksum);
    expect(await counts(page, 'cifar10')).toEqual(['200', '40']);

    // With room again the same file imports.
    await setQuota();
    await input.setInputFiles(fixturePath('cifar-10-binary.tar.gz'));
    await expect
      .poll(
        () =>
          page
            .getByTestId('import-note')
            .textContent()
            .catch(() => null),
        { timeout: 60_000 },
      )
      .toContain('Imported CIFAR-10');
    expect((await verify(page, 'cifar10'))?.checksum).toBe(stored?.checksum);
    await context.close();
  });

  it('imports a dropped tarball, removes chunks no dataset owns at startup, catches damaged chunks, and deletes a dataset', async () => {
    const page = await openStudio(browser);
    await expect.poll(() => counts(page, 'synthetic'), { timeout: 120_000 }).toEqual(['10,000', '2,000']);
    // Dropped on the drop zone, as a user drags the tarball in.
    await page.evaluate(
      ({ bytes, name }) => {
        const drop = new DataTransfer();
        drop.items.add(new File([new Uint8Array(bytes)], name));
        document
          .querySelector('[data-testid="drop-zone"]')
          ?.dispatchEvent(new DragEvent('drop', { dataTransfer: drop, bubbles: true, cancelable: true }));
      },
      { bytes: [...readFileSync(fixturePath('cifar-10-binary.tar.gz'))], name: 'cifar-10-binary.tar.gz' },
    );
    await expect.poll(() => counts(page, 'cifar10'), { timeout: 60_000 }).toEqual(['200', '40']);
    const keysBefore = await chunkKeys(page);
    // What a tab closed mid-import leaves behind.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('simplex-studio');
          open.onsuccess = () => {
            const tx = open.result.transaction('datasetChunks', 'readwrite');
            tx.objectStore('datasetChunks').put({ images: new Uint8Array(3072), labels: new Uint8Array(1) }, [
              'cifar10:orphan',
              'train',
              0,
            ]);
            tx.oncomplete = () => {
              open.result.close();
              resolve();
            };
            tx.onerror = () => {
              reject(new Error(String(tx.error)));
            };
          };
        }),
    );
    expect(await chunkKeys(page)).toHaveLength(keysBefore.length + 1);
    await page.reload();
    await expect.poll(() => counts(page, 'cifar10'), { timeout: 60_000 }).toEqual(['200', '40']);
    expect(await chunkKeys(page)).toEqual(keysBefore);

    // A stored byte flipped behind the studio's back is caught when the split is read.
    const firstTrainChunk = keysBefore
      .map((k) => JSON.parse(k) as [string, string, number])
      .find(([id, split, index]) => id.startsWith('cifar10:') && split === 'train' && index === 0);
    await page.evaluate(
      (key) =>
        new Promise<void>((resolve) => {
          const open = indexedDB.open('simplex-studio');
          open.onsuccess = () => {
            const tx = open.result.transaction('datasetChunks', 'readwrite');
            const store = tx.objectStore('datasetChunks');
            const get = store.get(key as IDBValidKey);
            get.onsuccess = () => {
              const chunk = get.result as { images: Uint8Array };
              chunk.images[5] = (chunk.images[5] ?? 0) ^ 0xff;
              store.put(chunk, key);
            };
            tx.oncomplete = () => {
              open.result.close();
              resolve();
            };
          };
        }),
      firstTrainChunk,
    );
    const damaged = await page.evaluate(() =>
      window.__studio?.client.call('verifyDataset', { id: 'cifar10' }).then(
        () => 'no error',
        (err: unknown) =>
          err instanceof Error ? `${(err as { code?: string }).code ?? ''}: ${err.message}` : '',
      ),
    );
    expect(damaged).toMatch(
      /^BAD_DATASET: The stored CIFAR-10 train split is damaged \(the checksum does not match\)/,
    );

    await card(page, 'cifar10')
      .getByRole('button', { name: /^Delete CIFAR-10/ })
      .click();
    await card(page, 'cifar10').getByRole('button', { name: 'Delete', exact: true }).click();
    await expect.poll(() => card(page, 'cifar10').count()).toBe(0);
    const left = await chunkKeys(page);
    expect(left.some((k) => k.includes('cifar10'))).toBe(false);
    expect(left.length).toBeGreaterThan(0); // the synthetic set's chunks
    await page.context().close();
  });
});
