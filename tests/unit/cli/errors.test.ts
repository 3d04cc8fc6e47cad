// Bad input exits non-zero with exactly one line on stderr, "error: CODE: message", and nothing
// on stdout: missing files, wrong shapes, classes that do not fit the data, bad coefficients,
// unknown flags and commands.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSafetensors } from '../../../src/engine/formats/safetensors';
import { CIFAR_LAYOUT, cli, readTensors, ref } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-errors-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** vertex0.safetensors with l3.weight one row short (9 classes' rows but l3.bias of 10). */
function misshapenFile(): string {
  const file = readTensors(ref('vertex0.safetensors'));
  const tensors = [...file.tensors].map(([name, t]) =>
    name === 'l3.weight'
      ? {
          name,
          shape: [t.shape[0] ?? 0, (t.shape[1] ?? 0) - 1],
          data: t.data.slice(0, t.data.length - (t.shape[0] ?? 0)),
        }
      : { name, shape: t.shape, data: t.data },
  );
  const out = path.join(dir, 'misshapen.safetensors');
  writeFileSync(out, Buffer.concat(writeSafetensors(tensors, {})));
  return out;
}

const weights = ['--weights', ref('vertices.safetensors')];
const data = ['--data', ref('inputs.bin')];

const cases: [string, string, string[]][] = [
  ['NOT_FOUND', 'a missing weights file', ['info', path.join(dir, 'nope.safetensors')]],
  ['NOT_FOUND', 'a missing data file', ['eval', ...weights, '--data', path.join(dir, 'nope.bin')]],
  ['SHAPE_MISMATCH', 'a tensor of the wrong shape', ['info', 'MISSHAPEN']],
  ['BAD_SAFETENSORS', 'a file that is not safetensors', ['info', ref('inputs.bin')]],
  [
    'SHAPE_MISMATCH',
    'a 10-class model on CIFAR-100',
    ['eval', ...weights, '--data', path.join(CIFAR_LAYOUT, 'cifar-100-binary.tar.gz')],
  ],
  ['BAD_ARGUMENT', 'too few coefficients', ['eval', ...weights, ...data, '--coeffs', '0.5,0.5']],
  ['BAD_ARGUMENT', 'coefficients not summing to 1', ['eval', ...weights, ...data, '--coeffs', '0.2,0.3,0.4']],
  [
    'BAD_ARGUMENT',
    'a coefficient that is not a number',
    ['eval', ...weights, ...data, '--coeffs', '0.5,x,0.5'],
  ],
  ['BAD_ARGUMENT', 'a vertex out of range', ['eval', ...weights, ...data, '--vertex', '3']],
  ['BAD_ARGUMENT', 'two points at once', ['eval', ...weights, ...data, '--vertex', '0', '--samples', '2']],
  ['BAD_ARGUMENT', 'an unknown flag', ['eval', ...weights, ...data, '--temperature', '2']],
  ['BAD_ARGUMENT', 'a flag without its value', ['eval', ...weights, '--data']],
  ['BAD_ARGUMENT', 'no --data', ['eval', ...weights]],
  ['BAD_ARGUMENT', 'an unknown --format', ['eval', ...weights, ...data, '--format', 'mnist']],
  ['BAD_DATASET', 'records of the wrong size', ['eval', ...weights, ...data, '--format', 'cifar100']],
  ['BAD_ARGUMENT', 'an unknown command', ['train', ref('vertex0.safetensors')]],
  ['BAD_ARGUMENT', 'convert without an output', ['convert', ref('vertices.safetensors')]],
  [
    'BAD_ARGUMENT',
    'convert of several vertices without --vertex',
    ['convert', ref('vertices.safetensors'), 'OUT'],
  ],
];

describe('cli errors', () => {
  it.each(cases)('%s for %s', async (code, _what, argv) => {
    const args = argv.map((a) =>
      a === 'MISSHAPEN' ? misshapenFile() : a === 'OUT' ? path.join(dir, 'out.safetensors') : a,
    );
    const r = await cli(...args);
    expect(r.code).not.toBe(0);
    expect(r.out).toBe('');
    expect(r.err).toMatch(new RegExp(`^error: ${code}: \\S[^\\n]*\\n$`));
  });

  it('names the counts when --coeffs has the wrong length', async () => {
    const r = await cli('eval', ...weights, ...data, '--coeffs', '0.5,0.5');
    expect(r.err).toBe('error: BAD_ARGUMENT: --coeffs has 2 values but the file has 3 vertices\n');
    expect(r.code).toBe(2);
  });

  it('exits 2 with the usage on stderr when no command is given', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/Usage:/);
  });
});
