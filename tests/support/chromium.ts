// Launches Debian's Chromium (or CHROME_PATH) headless with WebGPU on, through playwright-core.
// Shared by the browser tests and the benchmark runner; no test-runner imports here.

import { chromium, type Browser } from 'playwright-core';

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
