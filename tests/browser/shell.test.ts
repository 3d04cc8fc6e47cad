import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {} from '../../src/ui/debugHandle';
import type { Browser } from 'playwright-core';
import { launchChromium, openStudio } from './chromium';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

describe('studio shell', () => {
  it('runs tfjs on WebGPU in the worker and names the software adapter', async () => {
    const page = await openStudio(browser);
    const status = page.getByTestId('backend-status');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Backend: webgpu/);
    const text = (await status.textContent()) ?? '';
    expect(text.toLowerCase()).toContain('swiftshader');
    expect(text).toContain('training will be slow (try wasm or webgl)');
    for (const title of ['Data', 'Models', 'Train', 'Surfaces', 'Ensembles', 'Export']) {
      expect(await page.getByRole('link', { name: title }).isVisible()).toBe(true);
    }
  });

  it('computes a matrix product through the worker protocol on the GPU', async () => {
    const page = await openStudio(browser);
    await expect
      .poll(() => page.getByTestId('backend-status').textContent(), { timeout: 60_000 })
      .toMatch(/webgpu/);
    const a = [1.5, -2, 0.25, 3, 4, -1];
    const b = [2, 0.5, -1, 1, 3, -2];
    const got = await page.evaluate(
      ({ a, b }) => window.__studio?.client.call('matmul', { a, b, m: 2, k: 3, n: 2 }),
      { a, b },
    );
    const expected = [
      1.5 * 2 + -2 * -1 + 0.25 * 3,
      1.5 * 0.5 + -2 * 1 + 0.25 * -2,
      3 * 2 + 4 * -1 + -1 * 3,
      3 * 0.5 + 4 * 1 + -1 * -2,
    ];
    expect(got?.backend).toBe('webgpu');
    got?.values.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i] ?? NaN, 5);
    });
  });

  it('honours ?backend=cpu and says it was forced', async () => {
    const page = await openStudio(browser, '?backend=cpu');
    const status = page.getByRole('status');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toContain('Backend: cpu');
    expect(await status.textContent()).toContain('forced');
  });

  it('without a GPU picks the faster of wasm and webgl by measurement, remembers it, and the menu switches', async () => {
    const plain = await launchChromium({ webgpu: false });
    try {
      const page = await openStudio(plain, '?backend=auto');
      const status = page.getByRole('status');
      await expect.poll(() => status.textContent(), { timeout: 120_000 }).toMatch(/Backend: (wasm|webgl)/);
      expect(await page.getByTestId('backend-fallback').textContent()).toMatch(/webgpu: .*adapter/);
      const choice = (await page.getByTestId('backend-choice').textContent()) ?? '';
      expect(choice).toContain('measured now');
      // Both were measured, and the one started is the faster.
      const rates = [...choice.matchAll(/(wasm|webgl) ([\d.]+) img\/s/g)].map((m) => ({
        name: m[1],
        rate: Number(m[2]),
      }));
      expect(rates.map((r) => r.name).sort()).toEqual(['wasm', 'webgl']);
      const winner = rates.reduce((a, b) => (b.rate > a.rate ? b : a));
      expect(await status.textContent()).toContain(`Backend: ${winner.name}`);
      expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);

      // The menu restarts the studio on another backend…
      await page.getByTestId('backend-menu').selectOption('cpu');
      await expect.poll(() => status.textContent(), { timeout: 60_000 }).toContain('Backend: cpu');
      expect(await status.textContent()).toContain('forced');
      expect(page.url()).toContain('backend=cpu');
      // …and back to the default, which reuses the remembered verdict instead of measuring.
      await page.getByTestId('backend-menu').selectOption('auto');
      await expect.poll(() => status.textContent(), { timeout: 60_000 }).toContain(`Backend: ${winner.name}`);
      expect(await page.getByTestId('backend-choice').textContent()).toContain('remembered from');
      expect(page.url()).not.toContain('backend=');
    } finally {
      await plain.close();
    }
  });

  it('runs the wasm backend with SIMD in the cross-origin isolated tab and says its thread count', async () => {
    const page = await openStudio(browser, '?backend=wasm');
    const status = page.getByTestId('backend-status');
    await expect
      .poll(() => status.textContent(), { timeout: 60_000 })
      .toMatch(/^Backend: wasm · SIMD · \d+ threads?/);
    // XNNPACK's own count of its pool, read back after start-up; isolation is what allows more than 1.
    const threads = Number(/(\d+) thread/.exec((await status.textContent()) ?? '')?.[1]);
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
    const got = await page.evaluate(() =>
      window.__studio?.client.call('matmul', { a: [1, 2, 3, 4], b: [5, 6, 7, 8], m: 2, k: 2, n: 2 }),
    );
    expect(got).toEqual({ values: [19, 22, 43, 50], backend: 'wasm' });
  });
});
