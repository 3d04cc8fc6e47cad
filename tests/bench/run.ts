// `npm run -s bench -- [--backend webgpu|webgl|cpu] [--arch vgg16] [--width S] [--batch B]
// [--steps N] [--profile] [--host chromium|node]`: serves the built app on 127.0.0.1, runs the
// worker engine's benchmark in headless Chromium (CHROME_PATH or /usr/bin/chromium, fresh
// profile), prints one JSON object per measurement, then one line with all of them (and the kernel
// breakdown with --profile). `--host node` runs the engine's measurements in Node on Dawn instead
// (node.ts), for GPU machines without a browser.

import { parseArgs } from 'node:util';
import { preview } from 'vite';
import type { BenchParams, BenchResult } from '../../src/protocol/commands/bench';
import {
  ARCHITECTURES,
  WIDTH_SCALES,
  type Architecture,
  type WidthScale,
} from '../../src/protocol/architecture';
import type { BackendName } from '../../src/protocol/backend';
import { launchChromium } from '../support/chromium';
import { benchInNode } from './node';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'webgpu' },
    arch: { type: 'string', default: 'vgg16' },
    width: { type: 'string', default: '0.125' },
    batch: { type: 'string', default: '8' },
    steps: { type: 'string', default: '10' },
    profile: { type: 'boolean', default: false },
    host: { type: 'string', default: 'chromium' },
  },
});

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(2);
}

const width = Number(values.width);
if (!(WIDTH_SCALES as readonly number[]).includes(width))
  fail(`--width must be one of ${WIDTH_SCALES.join(', ')}`);
if (!(ARCHITECTURES as readonly string[]).includes(values.arch))
  fail(`--arch must be one of ${ARCHITECTURES.join(', ')}`);
if (!['webgpu', 'webgl', 'cpu'].includes(values.backend)) fail('--backend must be webgpu, webgl or cpu');
if (!['chromium', 'node'].includes(values.host)) fail('--host must be chromium or node');
if (values.host === 'node' && values.backend === 'webgl') fail('--host node has no WebGL: use webgpu or cpu');
const params: BenchParams = {
  architecture: values.arch as Architecture,
  widthScale: width as WidthScale,
  batchSize: Number(values.batch),
  steps: Number(values.steps),
  profile: values.profile,
};
if (!Number.isInteger(params.batchSize) || params.batchSize < 1) fail('--batch must be a whole number ≥ 1');
if (!Number.isInteger(params.steps) || params.steps < 2) fail('--steps must be a whole number ≥ 2');

const result =
  values.host === 'node'
    ? await benchInNode(params, values.backend as BackendName, (name, value) => {
        console.log(JSON.stringify({ [name]: value }));
      })
    : await benchInChromium(params, values.backend);
for (const profile of result.profiles ?? []) console.log(JSON.stringify({ profile }));
console.log(JSON.stringify(result.measurements));

async function benchInChromium(params: BenchParams, backend: string): Promise<BenchResult> {
  const server = await preview({
    preview: { host: '127.0.0.1', port: 0, strictPort: false },
    logLevel: 'warn',
  });
  const url = server.resolvedUrls?.local[0] ?? fail('vite preview did not report a URL');
  const browser = await launchChromium({ webgpu: backend === 'webgpu' });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => {
      console.error(`[page] ${err.message}`);
    });
    await page.exposeFunction('__benchMeasurement', (line: string) => {
      console.log(line);
    });
    await page.goto(`${url}?backend=${backend}`);
    const status = page.getByTestId('backend-status');
    await status.filter({ hasNotText: 'starting' }).waitFor({ timeout: 120_000 });
    const shown = (await status.textContent()) ?? '';
    if (!shown.startsWith(`Backend: ${backend}`)) fail(`asked for ${backend} but the studio says "${shown}"`);
    // A string, so the bundler's helpers (tsx wraps functions in __name) stay out of the page.
    return await page.evaluate<BenchResult>(`(async () => {
      const studio = window.__studio;
      if (!studio) throw new Error('the studio did not start');
      return studio.client.call('bench', ${JSON.stringify(params)}, {
        onProgress: (m) => void window.__benchMeasurement(JSON.stringify({ [m.name]: m.value })),
      });
    })()`);
  } finally {
    await browser.close();
    await server.close();
  }
}
