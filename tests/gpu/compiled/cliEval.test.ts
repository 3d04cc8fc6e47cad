// The CLI's `eval` on Dawn (--backend webgpu: the compiled evaluator) against the same command on
// wasm (tfjs), in-process: the reference simplex of three vertices (VGG16 at width 1/8) on its 8
// images, at the fixture's alpha with its logits, and ESPRO's average over 2 points per simplex.
// Every printed metric agrees. One batch: each batch shape compiles its own pipelines, about 20 s
// on SwiftShader on a busy machine (trainerEvaluation.test.ts and compiledEvaluator.test.ts cover
// a shorter last batch).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliJson, expected, ref } from '../../unit/cli/cliHarness';
import { expectClose } from '../../unit/engine/fixtures';

const dir = mkdtempSync(path.join(tmpdir(), 'gpu-cli-eval-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const METRICS = ['loss', 'accuracy', 'error', 'nll', 'ece', 'brier', 'volume'] as const;

async function evalOn(backend: string, ...flags: string[]): Promise<Record<string, unknown>> {
  return cliJson(
    'eval',
    '--weights',
    ref('vertices.safetensors'),
    '--data',
    ref('inputs.bin'),
    '--backend',
    backend,
    ...flags,
  );
}

function expectSameMetrics(got: Record<string, unknown>, want: Record<string, unknown>, what: string) {
  expect(got.n, what).toBe(want.n);
  for (const key of METRICS) {
    const [g, w] = [got[key] as number, want[key] as number];
    expect(Math.abs(g - w), `${what}: ${key} ${g} vs ${w}`).toBeLessThanOrEqual(
      1e-5 * Math.max(1, Math.abs(w)),
    );
  }
}

describe('cli eval on Dawn', () => {
  it('prints the wasm path’s metrics and logits at a point and for --samples', async () => {
    const alpha = Array.from(expected('alpha')).join(',');
    const logits = (name: string) => path.join(dir, name);
    const wasm = await evalOn('wasm', '--coeffs', alpha, '--logits', logits('wasm.json'));
    const wasmSamples = await evalOn('wasm', '--samples', '2', '--seed', '4');
    const dawn = await evalOn('webgpu', '--coeffs', alpha, '--logits', logits('dawn.json'));
    const dawnSamples = await evalOn('webgpu', '--samples', '2', '--seed', '4');

    expect(wasm.backend).toMatchObject({ name: 'wasm', evaluator: 'tfjs' });
    expect(dawn.backend).toMatchObject({ name: 'webgpu', evaluator: 'compiled' });
    expect(dawnSamples.backend).toMatchObject({ name: 'webgpu', evaluator: 'compiled' });
    expectSameMetrics(dawn, wasm, '--coeffs');
    expectSameMetrics(dawnSamples, wasmSamples, '--samples 2');
    const rows = (name: string) => (JSON.parse(readFileSync(logits(name), 'utf8')) as number[][]).flat();
    expectClose(rows('dawn.json'), rows('wasm.json'), 1e-5, 'logits');
    // The points differ: --samples is not the alpha point again.
    expect(dawnSamples.loss).not.toBe(dawn.loss);
  }, 120_000);
});
