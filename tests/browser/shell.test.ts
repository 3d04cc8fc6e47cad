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
    expect(text).toContain('training will be slow (try ?backend=webgl)');
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

  it('falls back to webgl and says why when the browser offers no WebGPU adapter', async () => {
    const plain = await launchChromium({ webgpu: false });
    try {
      const page = await openStudio(plain);
      const status = page.getByRole('status');
      await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/Backend: (webgl|cpu)/);
      expect(await page.getByTestId('backend-fallback').textContent()).toMatch(/webgpu: .*adapter/);
    } finally {
      await plain.close();
    }
  });
});
