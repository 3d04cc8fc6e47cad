// `npm run -s bench -- [--backend webgpu|webgl|wasm|cpu] [--arch vgg16] [--width S] [--batch B]
// [--steps N] [--profile] [--host chromium|node]`: serves the built app on 127.0.0.1, runs the
// worker engine's benchmark in headless Chromium (CHROME_PATH or /usr/bin/chromium, fresh
// profile), prints one JSON object per measurement, then one line with all of them (and the kernel
// breakdown with --profile). `--host node` runs the engine's measurements in Node on Dawn instead
// (node.ts), for GPU machines without a browser. On the CPU paths (wasm, cpu) PyTorch trains the
// same network alongside (pytorch_cpu.py) and ratio_vs_pytorch_cpu compares the two.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { preview } from 'vite';
import type { BenchParams, BenchResult } from '../../src/protocol/commands/bench';
import {
  WIDTH_SCALES,
  architectureError,
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
const archProblem = architectureError(values.arch);
if (archProblem) fail(`--arch: ${archProblem}`);
if (!['webgpu', 'webgl', 'wasm', 'cpu'].includes(values.backend))
  fail('--backend must be webgpu, webgl, wasm or cpu');
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

// On the CPU paths, PyTorch trains the same network on the same CPU before and after the studio,
// at the studio's thread count, and the ratio uses the mean of the two: interleaved, so both
// sides see about the same load on a shared machine.
const onCpu = values.backend === 'wasm' || values.backend === 'cpu';
const pytorchBefore = onCpu ? pytorchCpu(params, 1) : null;
const result =
  values.host === 'node'
    ? await benchInNode(params, values.backend as BackendName, (name, value) => {
        console.log(JSON.stringify({ [name]: value }));
      })
    : await benchInChromium(params, values.backend);
if (onCpu) {
  const threads = Number(result.measurements.threads ?? 1);
  const rates = [threads === 1 ? pytorchBefore : pytorchCpu(params, threads), pytorchCpu(params, threads)];
  const found = rates.filter((rate): rate is number => typeof rate === 'number');
  const base = result.measurements.base_img_s;
  if (found.length === rates.length && typeof base === 'number') {
    const rate = found.reduce((a, b) => a + b, 0) / found.length;
    result.measurements.pytorch_cpu_img_s = rate;
    result.measurements.ratio_vs_pytorch_cpu = base / rate;
    console.log(JSON.stringify({ pytorch_cpu_img_s: rate }));
    console.log(JSON.stringify({ ratio_vs_pytorch_cpu: base / rate }));
  }
}
for (const profile of result.profiles ?? []) console.log(JSON.stringify({ profile }));
console.log(JSON.stringify(result.measurements));

/**
 * img/s of tests/bench/pytorch_cpu.py on `threads` threads with the first of $PYTHON, python3 and
 * /usr/bin/python3 that has torch, or null (said on stdout) where none has: the ratio is then
 * left out.
 */
function pytorchCpu(p: BenchParams, threads: number): number | null {
  const script = fileURLToPath(new URL('./pytorch_cpu.py', import.meta.url));
  const args = [script, '--arch', p.architecture, '--width', String(p.widthScale)];
  args.push(
    '--batch',
    String(p.batchSize),
    '--steps',
    String(Math.max(p.steps, 10)),
    '--threads',
    String(threads),
  );
  const why: string[] = [];
  for (const python of new Set([process.env.PYTHON, 'python3', '/usr/bin/python3'])) {
    if (!python) continue;
    const run = spawnSync(python, args, { encoding: 'utf8' });
    try {
      const line = run.stdout.trim().split('\n').pop() ?? '';
      const rate = (JSON.parse(line) as { pytorch_cpu_img_s?: unknown }).pytorch_cpu_img_s;
      if (run.status === 0 && typeof rate === 'number') return rate;
    } catch {
      // Reported below.
    }
    why.push(
      `${python}: ${run.error?.message ?? (run.stderr.trim().split('\n').pop() || `exit ${run.status}`)}`,
    );
  }
  console.log(
    JSON.stringify({
      pytorch_cpu: `not measured (no python3 with torch: ${why.join('; ')}); ratio left out`,
    }),
  );
  return null;
}

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
    const threads = /(\d+) threads?/.exec(shown)?.[1];
    // A string, so the bundler's helpers (tsx wraps functions in __name) stay out of the page.
    const result = await page.evaluate<BenchResult>(`(async () => {
      const studio = window.__studio;
      if (!studio) throw new Error('the studio did not start');
      return studio.client.call('bench', ${JSON.stringify(params)}, {
        onProgress: (m) => void window.__benchMeasurement(JSON.stringify({ [m.name]: m.value })),
      });
    })()`);
    if (threads) result.measurements.threads = Number(threads);
    return result;
  } finally {
    await browser.close();
    await server.close();
  }
}
