// Launches Debian's Chromium (or CHROME_PATH) headless with WebGPU on, through playwright-core.

import { chromium, type Browser, type Page } from 'playwright-core';
import { inject } from 'vitest';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** `webgpu: false` drops --enable-unsafe-webgpu, as on a machine whose GPU Chromium will not use. */
export function launchChromium({ webgpu = true } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: webgpu ? CHROMIUM_ARGS : CHROMIUM_ARGS.filter((arg) => arg !== '--enable-unsafe-webgpu'),
  });
}

/** Opens the studio in a fresh context (empty IndexedDB) and forwards its console errors. */
export async function openStudio(browser: Browser, query = ''): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[page] ${msg.text()}`);
  });
  page.on('pageerror', (err) => {
    console.error(`[page] ${err.message}`);
  });
  await page.goto(`${inject('baseUrl')}${query}`);
  return page;
}
