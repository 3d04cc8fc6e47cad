// The real entry point as a child process: `npx tsx src/cli/main.ts` prints the JSON, sets the exit
// status, and keeps stderr free of tfjs's banners.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ref } from './cliHarness';

interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
}

const MAIN = 'src/cli/main.ts';
// npx as a user types it; the other runs call tsx's CLI through node directly, which skips npx's
// package lookup (seconds on a busy machine) but runs the same entry file.
const viaNpx = (...args: string[]): Promise<Spawned> => spawn('npx', ['tsx', MAIN, ...args]);
const viaNode = (...args: string[]): Promise<Spawned> =>
  spawn(process.execPath, [path.resolve('node_modules/tsx/dist/cli.mjs'), MAIN, ...args]);

function spawn(command: string, args: string[]): Promise<Spawned> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: process.cwd() }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('cli entry point', () => {
  it('runs info, eval and a failing command as a process', async () => {
    const [info, evaluated, missing] = await Promise.all([
      viaNpx('info', ref('vertices.safetensors')),
      viaNode('eval', '--weights', ref('vertex0.safetensors'), '--data', ref('inputs.bin'), '--limit', '2'),
      viaNode('info', ref('missing.safetensors')),
    ]);
    expect(info.code).toBe(0);
    expect(info.stderr).toBe('');
    expect(JSON.parse(info.stdout)).toMatchObject({ architecture: 'vgg16', vertexCount: 3 });

    expect(evaluated.code).toBe(0);
    expect(evaluated.stderr).toBe('');
    expect(JSON.parse(evaluated.stdout)).toMatchObject({ n: 2 });

    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(/^error: NOT_FOUND: [^\n]*missing\.safetensors[^\n]*\n$/);
  }, 120_000);
});
