// The Train section's start form and run cards, as the browser tests drive them.

import type { Locator, Page } from 'playwright-core';
import type { Architecture } from '../../src/protocol/architecture';

export function startForm(page: Page): Locator {
  return page.getByRole('form', { name: 'Start a run' });
}

export function runCard(page: Page, name: string): Locator {
  return page.getByRole('article', { name: `Run ${name}` });
}

/** Width 1/8, batches of 8, metrics read every step: the smallest runs the studio trains. */
export async function fillTinySettings(
  form: Locator,
  { name, trainImages, testImages = 16, architecture = 'vgg11' }: TinyRun,
): Promise<void> {
  await form.getByLabel('Architecture').selectOption(architecture);
  await form.getByLabel('Width scale').selectOption('0.125');
  await form.getByLabel('Batch size').fill('8');
  await form.getByLabel('Training images').fill(String(trainImages));
  await form.getByLabel('Test images').fill(String(testImages));
  await form.getByLabel('Read metrics every').fill('1');
  await form.getByLabel('Run name').fill(name);
}

export interface TinyRun {
  name: string;
  trainImages: number;
  testImages?: number;
  architecture?: Architecture;
}
