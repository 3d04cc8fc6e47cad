// Runs the CLI in-process (run(argv, io)) and reads the fixtures it is checked against.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readSafetensors, type SafetensorsFile } from '../../../src/engine/formats/safetensors';
import { memoryIo } from '../../../src/cli/io';
import { run } from '../../../src/cli/run';

export const REFERENCE = path.resolve(process.cwd(), '../shared/fixtures/reference');
export const CIFAR_LAYOUT = path.resolve(process.cwd(), '../shared/fixtures/cifar-layout');
export const ref = (name: string): string => path.join(REFERENCE, name);

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function cli(...argv: string[]): Promise<CliResult> {
  const io = memoryIo();
  const code = await run(argv, io);
  return { code, out: io.out, err: io.err };
}

/** Runs a command that must succeed and returns its one JSON object. */
export async function cliJson(...argv: string[]): Promise<Record<string, unknown>> {
  const r = await cli(...argv);
  if (r.code !== 0) throw new Error(`cli ${argv.join(' ')} exited ${r.code}: ${r.err}`);
  return JSON.parse(r.out) as Record<string, unknown>;
}

export function readTensors(file: string): SafetensorsFile {
  return readSafetensors(new Uint8Array(readFileSync(file)));
}

export function expected(name: string): Float32Array {
  const t = readTensors(ref('expected.safetensors')).tensors.get(name);
  if (!t) throw new Error(`expected.safetensors has no ${name}`);
  return t.data;
}

/** Mean cross-entropy of row-major logits against labels, in float64 (log-sum-exp). */
export function meanCrossEntropy(logits: Float32Array, labels: ArrayLike<number>, classes: number): number {
  let sum = 0;
  for (let r = 0; r < labels.length; r++) {
    const row = Array.from(logits.subarray(r * classes, (r + 1) * classes));
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, z) => s + Math.exp(z - m), 0));
    sum += lse - (row[labels[r] ?? 0] ?? NaN);
  }
  return sum / labels.length;
}

/** |actual − expected| ≤ rtol · |expected|. */
export function relClose(actual: unknown, want: number, rtol = 1e-4): boolean {
  return typeof actual === 'number' && Math.abs(actual - want) <= rtol * Math.abs(want);
}
