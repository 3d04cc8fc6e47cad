// What the Data section shows of stored datasets, for the browser tests: a dataset's card, its
// train/test counts as displayed, and the worker's list of stored datasets.

import type {} from '../../src/ui/debugHandle';
import type { Page } from 'playwright-core';

export const card = (page: Page, id: string) => page.getByTestId(`dataset-${id}`);

/** The card's train and test counts as the page shows them ("10,000"). */
export async function counts(page: Page, id: string): Promise<[string | null, string | null]> {
  const c = card(page, id);
  return [await c.getByTestId('count-train').textContent(), await c.getByTestId('count-test').textContent()];
}

export function listDatasets(page: Page) {
  return page.evaluate(() => window.__studio?.client.call('listDatasets', {}));
}
