// Opens the studio served by globalSetup in a fresh browser context.

import type { Browser, CDPSession, Page } from 'playwright-core';
import { inject } from 'vitest';

export { launchChromium } from '../support/chromium';

export const MB = 1024 * 1024;

/**
 * `query` with ?backend=webgpu unless it names a backend: the browser tests run on WebGPU, where
 * the studio's default on a machine without a GPU is a measured choice between wasm and WebGL.
 * `?backend=auto` (not a backend name) opens the studio on that default.
 */
export function withBackend(query: string): string {
  if (query.includes('backend=')) return query;
  return query.startsWith('?') ? `?backend=webgpu&${query.slice(1)}` : `?backend=webgpu${query}`;
}

/** Opens the studio in a fresh context (empty IndexedDB) and forwards its console errors. */
export async function openStudio(
  browser: Browser,
  query = '',
  before?: (page: Page) => Promise<void>,
): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await before?.(page);
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[page] ${msg.text()}`);
  });
  page.on('pageerror', (err) => {
    console.error(`[page] ${err.message}`);
  });
  await page.goto(`${inject('baseUrl')}${withBackend(query)}`);
  return page;
}

export interface QuotaControl {
  page: Page;
  /** Sets the origin's quota in bytes through the DevTools protocol; no argument lifts it. */
  setQuota: (bytes?: number) => Promise<void>;
}

/**
 * The studio with its origin's storage quota capped at `cap` bytes before its first write, so a
 * full disk can be made for real later. Chromium's IndexedDB trusts a cached view of the free space
 * for up to 30 s (BucketContext's kBucketSpaceCacheTimeLimit) and asks again only for a write
 * bigger than that view: the cap keeps the view small, and after lowering the quota one
 * scratchWrite() bigger than the cap makes Chromium read the lowered quota at once.
 */
export async function openStudioWithQuota(browser: Browser, cap: number, query = ''): Promise<QuotaControl> {
  let cdp: CDPSession | null = null;
  const origin = new URL(inject('baseUrl')).origin;
  const setQuota = async (bytes?: number) => {
    if (!cdp) throw new Error('no DevTools session');
    await cdp.send(
      'Storage.overrideQuotaForOrigin',
      bytes === undefined ? { origin } : { origin, quotaSize: bytes },
    );
  };
  const page = await openStudio(browser, query, async (p) => {
    cdp = await p.context().newCDPSession(p);
    await setQuota(cap);
  });
  return { page, setQuota };
}

/**
 * Stores `bytes` of incompressible data in a scratch database of the page's origin; answers 'ok'
 * or the name of the error that aborted the write.
 */
export function scratchWrite(page: Page, bytes: number): Promise<string> {
  return page.evaluate(
    (bytes) =>
      new Promise<string>((resolve) => {
        const value = new Uint8Array(bytes);
        for (let at = 0; at < bytes; at += 65_536) crypto.getRandomValues(value.subarray(at, at + 65_536));
        const open = indexedDB.open('quota-scratch');
        open.onupgradeneeded = () => {
          open.result.createObjectStore('values');
        };
        open.onsuccess = () => {
          const tx = open.result.transaction('values', 'readwrite');
          tx.objectStore('values').put(value, 'value');
          tx.oncomplete = () => {
            open.result.close();
            resolve('ok');
          };
          tx.onabort = () => {
            open.result.close();
            resolve(tx.error?.name ?? 'aborted');
          };
        };
      }),
    bytes,
  );
}
