// The first minute of a new user, for real: `npm start` (the README's dev command) on a fresh copy
// of the repository whose dependency cache is empty, the page loaded once, a CIFAR-10 tarball
// picked in the first second, while the worker is still starting; it must be imported, with one
// navigation and no page error. Then two tabs of one browser profile opened together: both start
// a backend, both train a tiny run at the same time, and each run is listed in both tabs.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type {} from '../../src/ui/debugHandle';
import { defaultSettings, type TrainSettings } from '../../src/protocol/settings';
import { launchChromium, openStudio } from './chromium';
import { counts } from './datasetCards';
import { fixturePath } from './dataFixtures';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser.close();
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/**
 * The repository's files in a new folder, its node_modules a folder of links to the installed
 * packages: the same packages, but no dependency cache (Vite keeps it in node_modules/.vite).
 */
function freshCopy(): string {
  const root = process.cwd();
  const dir = mkdtempSync(path.join(tmpdir(), 'studio-fresh-'));
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0');
  for (const file of tracked.filter((f) => f !== '' && !f.startsWith('tests/'))) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(root, file), path.join(dir, file));
  }
  // npm start installs when the lock file is newer than the install: it is not.
  copyFileSync(path.join(root, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  const modules = path.join(dir, 'node_modules');
  mkdirSync(modules);
  for (const name of readdirSync(path.join(root, 'node_modules'))) {
    if (name === '.vite' || name === '.cache') continue;
    symlinkSync(path.join(root, 'node_modules', name), path.join(modules, name));
  }
  const installed = statSync(path.join(root, 'node_modules', '.package-lock.json')).mtime;
  utimesSync(path.join(dir, 'package-lock.json'), installed, new Date(installed.getTime() - 60_000));
  return dir;
}

describe('the first minute', () => {
  let dir = '';
  let server: ChildProcess | null = null;
  afterAll(() => {
    // npm start runs Vite as its child: end the whole process group, or Vite outlives the test.
    try {
      if (server?.pid !== undefined) process.kill(-server.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('npm start on a fresh copy: one load, the backend starts, a tarball picked at once is imported', async () => {
    dir = freshCopy();
    const port = await freePort();
    let log = '';
    server = spawn('npm', ['start', '--', '--port', String(port)], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    server.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    server.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    // Vite colours its banner (bold port digits) when the environment asks for colour.
    const plain = () => stripVTControlCharacters(log);
    await expect.poll(plain, { timeout: 120_000 }).toContain(`127.0.0.1:${port}`);

    const context = await browser.newContext();
    const page = await context.newPage();
    let navigations = 0;
    const errors: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    const opened = Date.now();
    await page.goto(`http://127.0.0.1:${port}/?backend=wasm`, { waitUntil: 'commit' });
    // The file is picked as soon as the Data section shows its input: before the worker has started.
    const input = page.getByTestId('dataset-file-input');
    await input.waitFor({ state: 'attached', timeout: 120_000 }).catch((err: unknown) => {
      throw new Error(`${String(err)}\nserver: ${log}\npage: ${errors.join('\n')}`);
    });
    const shown = Date.now() - opened;
    await input.setInputFiles(fixturePath('cifar-10-binary.tar.gz'));
    const backendThen = await page.getByTestId('backend-status').textContent();
    await expect.poll(() => counts(page, 'cifar10'), { timeout: 180_000 }).toEqual(['200', '40']);
    await page.getByTestId('backend-status').filter({ hasText: 'wasm' }).waitFor({ timeout: 120_000 });
    // Long enough for a late dependency discovery to have reloaded the page.
    await page.waitForTimeout(3000);
    expect({ navigations, errors, log: log.match(/reloading/g) ?? [] }).toEqual({
      navigations: 1,
      errors: [],
      log: [],
    });
    // Picked while the backend was still starting: the import did not wait for it, nor was it lost.
    expect(backendThen).toContain('starting');
    console.log(`first-minute: the file input showed ${shown} ms after the navigation`);
    await context.close();
  }, 300_000);
});

describe('two tabs of one profile', () => {
  const tiny = (name: string): { settings: TrainSettings; name: string } => ({
    name,
    settings: {
      ...defaultSettings('base'),
      architecture: 'vgg11',
      widthScale: 0.125,
      batchSize: 8,
      baseEpochs: 2,
      trainLimit: 32,
      testLimit: 8,
      readEvery: 1,
    },
  });

  it('both start a backend, both train at once, and each run shows in both', async () => {
    const first = await openStudio(browser, '?backend=wasm#train');
    const second = await first.context().newPage();
    const errors: string[] = [];
    second.on('pageerror', (err) => errors.push(err.message));
    await second.goto(first.url());
    const tabs: Page[] = [first, second];
    for (const tab of tabs) {
      await tab.getByTestId('backend-status').filter({ hasText: 'wasm' }).waitFor({ timeout: 120_000 });
    }
    // Each tab's worker trains its own run, at the same time, through the page's run tracker.
    const runs = await Promise.all(
      tabs.map((tab, i) =>
        tab.evaluate(
          async ({ settings, name }) => {
            const client = window.__studio?.client;
            if (!client) throw new Error('no studio');
            const run = await client.call('createRun', { settings, name });
            return client.call('train', { runId: run.id });
          },
          tiny(`tab ${i + 1}`),
        ),
      ),
    );
    expect(runs.map((r) => r.status)).toEqual(['done', 'done']);
    for (const tab of tabs) {
      for (const name of ['tab 1', 'tab 2']) {
        await tab.getByRole('article', { name: `Run ${name}` }).waitFor({ timeout: 30_000 });
        await expect
          .poll(() => tab.getByRole('article', { name: `Run ${name}` }).getAttribute('data-status'))
          .toBe('done');
      }
    }
    expect(errors).toEqual([]);
    await first.context().close();
  }, 300_000);

  it('shows a run training in the other tab as such, and refuses to train it twice', async () => {
    const first = await openStudio(browser, '?backend=wasm#train');
    const second = await first.context().newPage();
    await second.goto(first.url());
    for (const tab of [first, second]) {
      await tab.getByTestId('backend-status').filter({ hasText: 'wasm' }).waitFor({ timeout: 120_000 });
    }
    const { settings } = tiny('long');
    const runId = await first.evaluate(async (s) => {
      const client = window.__studio?.client;
      if (!client) throw new Error('no studio');
      const run = await client.call('createRun', { settings: { ...s, baseEpochs: 40 }, name: 'long' });
      void client.call('train', { runId: run.id });
      return run.id;
    }, settings);
    const card = second.getByRole('article', { name: 'Run long' });
    await card.getByTestId('run-elsewhere').waitFor({ timeout: 60_000 });
    const refused = await second.evaluate(
      (id) =>
        window.__studio?.client.call('train', { runId: id }).then(
          () => 'trained',
          (err: unknown) => String(err),
        ),
      runId,
    );
    expect(refused).toMatch(/training in another tab/);
    await first.evaluate((id) => window.__studio?.client.call('stopRun', { runId: id }), runId);
    await first.context().close();
  }, 300_000);
});
