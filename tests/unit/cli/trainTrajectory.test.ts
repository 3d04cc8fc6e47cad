// `train` reproduces PyTorch's trajectory (a) of ../shared/fixtures/trajectory: a width-1/8 VGG16
// from base_start.safetensors, 12 SGD steps over 64 records in file order, no augmentation,
// dropout off, through the command line's controlled-comparison settings. The CPU backend, as in
// tests/unit/engine/train/trajectory.test.ts (that file says why: a float32 near-tie in a
// max-pool window that wasm routes the other way).
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseModelFile } from '../../../src/engine/formats/stateDict';
import { TRAJECTORY_DIR, expectTrajectoryChange, loadTrajectory, tensorOf } from '../engine/fixtures';
import { cli } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-trajectory-'));
const wasm = tf.getBackend();
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await tf.setBackend(wasm);
});

describe('cli train against PyTorch', () => {
  it('12 SGD steps of a base model from a starting file reach the fixture’s losses and weights', async () => {
    const { base, expected, baseStart } = loadTrajectory();
    const records = path.join(TRAJECTORY_DIR, 'records.bin');
    const out = path.join(dir, 'a');
    const r = await cli(
      'train',
      ...['--data', records, '--test-data', records, '--out', out, '--backend', 'cpu'],
      ...[
        '--architecture',
        'vgg16',
        '--width',
        '0.125',
        '--init',
        path.join(TRAJECTORY_DIR, 'base_start.safetensors'),
      ],
      ...[
        '--batch-size',
        String(base.batch),
        '--base-epochs',
        String(base.epochs),
        '--base-lr',
        String(base.lr0),
      ],
      ...[
        '--weight-decay',
        String(base.wd),
        '--momentum',
        '0.9',
        '--no-augment',
        '--no-shuffle',
        '--dropout',
        '0',
      ],
      ...['--read-every', '1', '--test-limit', '16'],
    );
    expect(r.code, r.err).toBe(0);
    const epochs = r.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { epoch?: number; trainLoss?: number })
      .filter((l) => l.epoch !== undefined);
    // Each epoch's training loss is the mean of its four steps' losses.
    const losses = Array.from(tensorOf(expected, 'base.loss'));
    expect(epochs).toHaveLength(base.epochs);
    epochs.forEach((e, i) => {
      const want = losses.slice(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0) / 4;
      expect(Math.abs((e.trainLoss ?? NaN) - want), `epoch ${i + 1}`).toBeLessThanOrEqual(1e-5 * want);
    });
    const file = readdirSync(out).find((f) => f.endsWith('_vertex0.safetensors')) as string;
    const after = parseModelFile(new Uint8Array(readFileSync(path.join(out, file)))).vertices[0] ?? [];
    expectTrajectoryChange(expected, baseStart, after, 'base.after', 1e-4);
  }, 300_000);
});
