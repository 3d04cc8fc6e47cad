// Hostile command lines and files: each case is one an attacker (or an unlucky user) tried, and
// each must end in one clear error line or a correct result, never a hang, a silent non-finite
// result, or a lost input.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, ref } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-hostile-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const weights = ['--weights', ref('vertices.safetensors')];
const data = ['--data', ref('inputs.bin')];

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
