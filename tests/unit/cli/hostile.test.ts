// Hostile command lines and files: each case is one an attacker (or an unlucky user) tried, and
// each must end in one clear error line or a correct result, never a hang, a silent non-finite
// result, or a lost input.
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/engine/formats/safetensors';
import { cli, readTensors, ref } from './cliHarness';
import { gzip, makeTar, records } from '../formats/cifarTestFiles';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-hostile-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const weights = ['--weights', ref('vertices.safetensors')];
const data = ['--data', ref('inputs.bin')];

/** vertex0.safetensors with `metadata` as its __metadata__, written to `name` in the temp folder. */
function withMetadata(name: string, metadata: Record<string, string>): string {
  const file = readTensors(ref('vertex0.safetensors'));
  const tensors = [...file.tensors].map(([n, t]) => ({ name: n, shape: t.shape, data: t.data }));
  const out = path.join(dir, name);
  writeFileSync(out, Buffer.concat(writeSafetensors(tensors, { format: 'pt', ...metadata })));
  return out;
}

describe('command lines', () => {
  it('takes a negative number after a flag as its value, as with "="', async () => {
    const spaced = await cli('eval', ...weights, ...data, '--coeffs', '-1,1,1');
    const joined = await cli('eval', ...weights, ...data, '--coeffs=-1,1,1');
    expect(spaced.err).toBe('');
    expect(spaced.code).toBe(0);
    expect(spaced.out).toBe(joined.out);
    expect((JSON.parse(spaced.out) as { point: { coefficients: number[] } }).point.coefficients).toEqual([
      -1, 1, 1,
    ]);
    // Still refused where a flag takes no value, or the value is not a number.
    expect((await cli('eval', ...weights, ...data, '--coeffs', '-x')).code).toBe(2);
  });

  it('bounds --samples and --batch, and says the bound', async () => {
    let r = await cli('eval', ...weights, ...data, '--samples', '1e9');
    expect(r.code).toBe(2);
    expect(r.err).toBe('error: BAD_ARGUMENT: --samples must be a whole number from 1 to 1000, not "1e9"\n');
    r = await cli('eval', ...weights, ...data, '--batch', '100000');
    expect(r.err).toMatch(/--batch must be a whole number from 1 to 1000/);
    const help = await cli('eval', '--help');
    expect(help.out).toMatch(/M from 1 to 1000/);
  });
});

describe('results and metadata', () => {
  it('exits 1 with NON_FINITE when a result overflows, instead of printing null', async () => {
    const r = await cli('eval', ...weights, ...data, '--coeffs=1e6,-1e6,1');
    expect(r.out).toBe('');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: NON_FINITE: \S.* came out NaN or infinite at --coeffs 1000000,-1000000,1/);
  });

  it('one verdict from info, eval and convert on metadata nested 5,000 deep', async () => {
    const deep = withMetadata('deep.safetensors', { training: `${'['.repeat(5000)}${']'.repeat(5000)}` });
    const runs = [
      await cli('info', deep),
      await cli('eval', '--weights', deep, ...data),
      await cli('convert', deep, withMetadata('other.safetensors', {}), path.join(dir, 'joined.safetensors')),
    ];
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        'error: BAD_SAFETENSORS: deep.safetensors: The file\'s studio metadata is malformed: "training" is nested more than 32 levels deep.\n',
      );
    }
  });

  it('refuses a normalisation that would feed infinite or constant inputs, when the file is read', async () => {
    for (const [mean, std] of [
      [1e39, 0.2],
      [0.5, 1e-300],
      [0.5, 1e39],
    ] as const) {
      const file = withMetadata('norm.safetensors', {
        normalisation: JSON.stringify({ mean: [mean, 0.5, 0.5], std: [std, 0.2, 0.2] }),
      });
      for (const argv of [
        ['info', file],
        ['eval', '--weights', file, ...data],
      ]) {
        const r = await cli(...argv);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/^error: BAD_SAFETENSORS: norm.safetensors: .*"normalisation" is unusable/);
      }
    }
  });
});

describe('eval reads no more data than it evaluates', () => {
  const vertex0 = ['--weights', ref('vertex0.safetensors')];
  /** Two CIFAR-10 records, the second with label 200: reading it means failing. */
  const twoRecords = records(2, (i) => [i === 0 ? 3 : 200]);

  it('stops a record file at --limit', async () => {
    const file = path.join(dir, 'test_batch.bin');
    writeFileSync(file, twoRecords);
    const limited = await cli('eval', ...vertex0, '--data', file, '--limit', '1');
    expect(limited.err).toBe('');
    expect((JSON.parse(limited.out) as { n: number }).n).toBe(1);
    const all = await cli('eval', ...vertex0, '--data', file);
    expect(all.err).toMatch(/^error: BAD_DATASET: test_batch.bin, record 1: class label 200 is out of range/);
  });

  it('stops a tarball at --limit', async () => {
    const file = path.join(dir, 'cifar-10-binary.tar.gz');
    writeFileSync(file, gzip(makeTar([{ name: 'cifar-10-batches-bin/test_batch.bin', bytes: twoRecords }])));
    const limited = await cli('eval', ...vertex0, '--data', file, '--limit', '1');
    expect(limited.err).toBe('');
    expect((JSON.parse(limited.out) as { n: number }).n).toBe(1);
    expect((await cli('eval', ...vertex0, '--data', file)).err).toMatch(/record 1: class label 200/);
  });

  it('refuses a 1 GB record file from its size, without reading it', async () => {
    const file = path.join(dir, 'huge', 'test_batch.bin');
    mkdirSync(path.dirname(file));
    writeFileSync(file, '');
    truncateSync(file, 350_000 * 3073); // sparse: no disk used, and reading it would take seconds
    const r = await cli('eval', ...vertex0, '--data', file, '--limit', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^error: BAD_DATASET: The CIFAR-10 test split holds at most 10,000 records, as the official one does, and test_batch.bin would make it 350,000/,
    );
    // A name that is no split gets the largest split's cap.
    const other = path.join(dir, 'huge', 'mine.bin');
    writeFileSync(other, '');
    truncateSync(other, 50_001 * 3073);
    expect((await cli('eval', ...vertex0, '--data', other)).err).toMatch(
      /training split holds at most 50,000/,
    );
  });
});

describe('weights files', () => {
  it('refuses a weights file over 1 GiB from its size, in every command, without reading it', async () => {
    const file = path.join(dir, 'huge.safetensors');
    writeFileSync(file, '');
    truncateSync(file, 2 ** 30 + 1); // sparse; read whole, it would cost a GiB of memory
    for (const args of [
      ['info', file],
      ['eval', '--weights', file, ...data],
      ['convert', file, path.join(dir, 'out.safetensors'), '--vertex', '0'],
    ]) {
      const r = await cli(...args);
      expect(r.code, args[0]).toBe(1);
      expect(r.err, args[0]).toBe(
        'error: BAD_SAFETENSORS: huge.safetensors: The file is 1,073,741,825 bytes, more than the 1 GiB a weights ' +
          'file may hold (12 vertices of VGG19 at width 1 fit): export fewer vertices per file.\n',
      );
    }
  });
});

describe('file text on the terminal', () => {
  /** Code points that must never be printed raw. */
  const unsafe = (text: string): number[] =>
    Array.from(text)
      .map((c) => c.codePointAt(0) ?? 0)
      .filter((c) => c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x202e || c === 0x2066);
  const hostile = 'x\u001b[2J\r\u0000\u202eevil\u2066';

  it('escapes control and bidi characters of a tensor name in the error line', async () => {
    const file = readTensors(ref('vertex0.safetensors'));
    const tensors = [...file.tensors].map(([n, t]) => ({ name: n, shape: t.shape, data: t.data }));
    tensors.push({ name: hostile, shape: [1], data: new Float32Array(1) });
    const out = path.join(dir, 'names.safetensors');
    writeFileSync(out, Buffer.concat(writeSafetensors(tensors, {})));
    const r = await cli('info', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: [A-Z_]+: /);
    expect(unsafe(r.err.slice(0, -1))).toEqual([]);
    expect(r.err).toContain('\\x1B');
  });

  it('prints metadata text as JSON escapes that parse back to the same string', async () => {
    const file = withMetadata('run.safetensors', { run: JSON.stringify(hostile) });
    const r = await cli('info', file);
    expect(r.code).toBe(0);
    expect(unsafe(r.out.replace(/\n/g, ''))).toEqual([]);
    expect((JSON.parse(r.out) as { run: string }).run).toBe(hostile);
  });
});
