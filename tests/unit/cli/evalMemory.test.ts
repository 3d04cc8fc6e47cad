// `eval`'s peak memory as the operating system counts it: the CLI runs as a child process and
// reports its peak resident set. A 50,000-record training split (154 MB of records) evaluated
// with --limit 1 must cost about what a one-record file does, as a record file and as a tarball
// that decompresses to it: reading either whole, or copying it, adds its size at least once.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ref } from './cliHarness';
import { gzip, makeTar, records } from '../formats/cifarTestFiles';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-memory-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const RECORD_BYTES = 3073;
const MB = 2 ** 20;

interface Measured {
  n: number;
  maxRss: number;
}

function evalPeak(data: string, ...extra: string[]): Promise<Measured> {
  const args = [
    '--import',
    'tsx',
    '--import',
    './tests/unit/cli/support/reportMaxRss.mjs',
    'src/cli/main.ts',
    'eval',
    '--weights',
    ref('vertex0.safetensors'),
    '--data',
    data,
    '--limit',
    '1',
    ...extra,
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: process.cwd(), maxBuffer: 16 * MB }, (err, stdout, stderr) => {
      const peak = /maxRss (\d+)\n$/.exec(stderr);
      if (err !== null || peak === null) {
        reject(new Error(`eval ${data} failed: ${err?.message ?? ''}\n${stderr}`));
        return;
      }
      resolve({ n: (JSON.parse(stdout) as { n: number }).n, maxRss: Number(peak[1]) });
    });
  });
}

describe('eval --limit 1 peak memory', () => {
  it('stays near a one-record run for a full training split, as records and as a tarball', async () => {
    const one = path.join(dir, 'one', 'test_batch.bin');
    const big = path.join(dir, 'big', 'data_batch_1.bin');
    const tarball = path.join(dir, 'cifar-10-binary.tar.gz');
    for (const file of [one, big]) mkdirSync(path.dirname(file));
    writeFileSync(
      one,
      records(1, () => [3]),
    );
    writeFileSync(big, '');
    truncateSync(big, 50_000 * RECORD_BYTES); // all-zero records: valid, class 0
    const split = new Uint8Array(50_000 * RECORD_BYTES);
    writeFileSync(tarball, gzip(makeTar([{ name: 'cifar-10-batches-bin/data_batch_1.bin', bytes: split }])));

    // One at a time: two cores, and each run's peak is its own.
    const baseline = await evalPeak(one);
    const recordFile = await evalPeak(big);
    const archive = await evalPeak(tarball, '--split', 'train');
    expect([baseline.n, recordFile.n, archive.n]).toEqual([1, 1, 1]);
    const budget = 48 * MB; // a third of the split; chunks of records and gzip windows fit well within it
    expect(recordFile.maxRss - baseline.maxRss).toBeLessThan(budget);
    expect(archive.maxRss - baseline.maxRss).toBeLessThan(budget);
  }, 180_000);
});
