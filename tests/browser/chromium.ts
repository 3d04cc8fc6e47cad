// Opens the studio served by globalSetup in a fresh browser context.

import type { Browser, Page } from 'playwright-core';
import { inject } from 'vitest';

export { launchChromium } from '../support/chromium';

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
