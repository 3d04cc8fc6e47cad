// A run that diverges says so: a learning rate too high for its batch size undoes what the run
// learned, and the trainer stops it at the epoch that fell back to chance (DIVERGED, exit 1) with
// its last checkpoint kept, instead of finishing as if it had trained. checkLearning's rule is
// checked on its own too: chance level only counts after the run was clearly below it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLearning } from '../../../src/engine/train/trainer';
import type { EpochPoint, StepPoint } from '../../../src/protocol/commands/train';
import { cli } from './cliHarness';

const dir = mkdtempSync(path.join(tmpdir(), 'cli-diverged-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const epoch = (loss: number, accuracy: number): EpochPoint => ({
  stage: 0,
  epoch: 3,
  step: 30,
  trainLoss: loss,
  trainAccuracy: accuracy,
  testLoss: loss,
  testAccuracy: accuracy,
  volume: null,
  lambda: 0,
  lr: 0.1,
  seconds: 1,
});
const window = (step: number, loss: number): StepPoint => ({
  step,
  stage: 0,
  epoch: 1,
  loss,
  accuracy: 0.5,
  lr: 0.1,
});

describe('divergence', () => {
  it('names an epoch at chance level after the run had learned, and nothing else', () => {
    const learned = { steps: [window(10, 2.5), window(20, 1.5)], epochs: [] };
    expect(() => {
      checkLearning(learned, epoch(2.3, 0.1), 10, 'Base model');
    }).toThrow(/diverged: after learning .* epoch 3 of Base model ended at chance level/);
    // Never below 0.9·ln 10: a slow start, not a divergence.
    expect(() => {
      checkLearning(
        { steps: [window(10, 2.3), window(20, 2.25)], epochs: [] },
        epoch(2.3, 0.1),
        10,
        'Base model',
      );
    }).not.toThrow();
    // Still learning: above chance accuracy, or below chance loss.
    expect(() => {
      checkLearning(learned, epoch(2.3, 0.3), 10, 'Base model');
    }).not.toThrow();
    expect(() => {
      checkLearning(learned, epoch(2.0, 0.1), 10, 'Base model');
    }).not.toThrow();
  });

  it('stops a run whose rate is too high for its batch: DIVERGED, exit 1, the last checkpoint kept', async () => {
    const out = path.join(dir, 'run');
    const r = await cli(
      'train',
      ...['--data', 'synthetic', '--out', out, '--architecture', 'vgg11', '--width', '0.125'],
      ...['--base-epochs', '6', '--batch-size', '32', '--train-limit', '256', '--test-limit', '64'],
      ...['--base-lr', '0.3', '--read-every', '2'],
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: DIVERGED: The run diverged: after learning/m);
    expect(r.err).toMatch(/lower the learning rate/);
    // The epochs before it printed, and their checkpoint is there to look at; no result files.
    expect(r.out.trim().split('\n').length).toBeGreaterThanOrEqual(2);
    expect(existsSync(path.join(out, 'checkpoint.safetensors'))).toBe(true);
    expect(r.out).not.toMatch(/"file"/);
  }, 120_000);
});
