// Reads the traces Plotly drew in a chart of the page (the graph div's `data`), for the tests that
// check what a plot shows.

import type { Page } from 'playwright-core';

export interface Trace {
  type?: string;
  name?: string;
  x?: ArrayLike<number>;
  y?: ArrayLike<number>;
  z?: (number | null)[][];
  zmin?: number;
  zmax?: number;
  showscale?: boolean;
  colorbar?: { title?: { text?: string }; tickvals?: number[]; ticktext?: string[] };
  text?: string[];
}

/** The traces of the first element with `testId`, or none before Plotly has drawn. */
export function plotTraces(page: Page, testId: string): Promise<Trace[]> {
  return page
    .getByTestId(testId)
    .first()
    .evaluate((el) => (el as HTMLElement & { data?: Trace[] }).data ?? []);
}
