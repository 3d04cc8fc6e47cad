// The output guard every writing command goes through: no input replaced (whatever its name), no
// existing file or link replaced without --force, temporary files removed on signals and, when a
// process was killed outright, by the next write to the folder.
import { spawn } from 'node:child_process';
import {
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, ref } from './cliHarness';

const root = mkdtempSync(path.join(tmpdir(), 'cli-output-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const freshDir = (): string => {
  const d = path.join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};

describe('eval --logits and convert never replace an input', () => {
  it('refuses the weights or data file as --logits, under any name, even with --force', async () => {
    const d = freshDir();
    const weights = path.join(d, 'w.safetensors');
    const data = path.join(d, 'inputs.bin');
    copyFileSync(ref('vertices.safetensors'), weights);
    copyFileSync(ref('inputs.bin'), data);
    const before = [readFileSync(weights), readFileSync(data)];
    linkSync(data, path.join(d, 'hard.bin'));
    symlinkSync(weights, path.join(d, 'soft.safetensors'));
    for (const out of [weights, data, path.join(d, '.', 'hard.bin'), path.join(d, 'soft.safetensors')]) {
      const r = await cli('eval', '--weights', weights, '--data', data, '--logits', out, '--force');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(
        /^error: BAD_ARGUMENT: The output .* is the input .*; write to another file\.\n$/,
      );
    }
    expect(readFileSync(weights).equals(before[0] as Buffer)).toBe(true);
    expect(readFileSync(data).equals(before[1] as Buffer)).toBe(true);
  });

  it('refuses an existing --logits file without --force, and replaces it with', async () => {
    const d = freshDir();
    const out = path.join(d, 'logits.json');
    writeFileSync(out, 'keep me');
    const args = [
      'eval',
      '--weights',
      ref('vertex0.safetensors'),
      '--data',
      ref('inputs.bin'),
      '--logits',
      out,
    ];
    const r = await cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already exists \(a file\); pass --force/);
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect((await cli(...args, '--force')).code).toBe(0);
    expect((JSON.parse(readFileSync(out, 'utf8')) as number[][]).length).toBe(8);
  });

  it('convert refuses a dangling symbolic link without --force, and a folder always', async () => {
    const d = freshDir();
    const link = path.join(d, 'link.safetensors');
    symlinkSync(path.join(d, 'nowhere'), link);
    const r = await cli('convert', ref('vertex0.safetensors'), link);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/already exists \(a symbolic link\); pass --force/);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(existsSync(path.join(d, 'nowhere'))).toBe(false);
    expect((await cli('convert', ref('vertex0.safetensors'), link, '--force')).code).toBe(0);
    expect(lstatSync(link).isFile()).toBe(true);
    const folder = await cli('convert', ref('vertex0.safetensors'), d, '--force');
    expect(folder.err).toMatch(/is a folder/);
  });
});

describe('temporary files', () => {
  const temps = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.studio-tmp'));

  /** Runs the stalled writer, and signals it once it has written its first part. */
  function stalledWriter(out: string, signal: NodeJS.Signals): Promise<NodeJS.Signals | null> {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'tests/unit/cli/support/stalledWrite.ts', out],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('writing')) child.kill(signal);
    });
    return new Promise((resolve) =>
      child.on('exit', (_code, sig) => {
        resolve(sig);
      }),
    );
  }

  it('are removed when the process is interrupted mid-write', async () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const d = freshDir();
      expect(await stalledWriter(path.join(d, 'out.safetensors'), signal)).toBe(signal);
      expect(readdirSync(d)).toEqual([]);
    }
  });

  it('left by a killed process are removed by the next write to the folder, and only those', async () => {
    const d = freshDir();
    expect(await stalledWriter(path.join(d, 'big.safetensors'), 'SIGKILL')).toBe('SIGKILL');
    expect(temps(d)).toHaveLength(1);
    // A live process's temporary file and a user's look-alike stay.
    const live = `.other.safetensors.${process.pid}.studio-tmp`;
    writeFileSync(path.join(d, live), 'x');
    writeFileSync(path.join(d, '.notes.123.tmp'), 'x');
    expect((await cli('convert', ref('vertex0.safetensors'), path.join(d, 'next.safetensors'))).code).toBe(0);
    expect(temps(d)).toEqual([live]);
    expect(readdirSync(d).sort()).toEqual(['.notes.123.tmp', live, 'next.safetensors'].sort());
  });
});
