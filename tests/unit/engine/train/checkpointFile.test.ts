// The CLI's checkpoint file: every component's vertices, batch-norm statistics, optimizer buffers
// and the rest come back exactly as written, and a weights file is refused as a checkpoint.

import { describe, expect, it } from 'vitest';
import { checkpointFile, readCheckpointFile } from '../../../../src/engine/train/checkpointFile';
import type { TrainCheckpoint } from '../../../../src/engine/train/trainer';
import type { TfLayout } from '../../../../src/engine/formats/layout';
import { defaultSettings } from '../../../../src/protocol/settings';
import { writeSafetensors } from '../../../../src/engine/formats/safetensors';
import { StudioError } from '../../../../src/protocol/errors';

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(seed + i)) as TfLayout;

describe('checkpoint files', () => {
  it('give back components with their batch-norm statistics, and those without', () => {
    const checkpoint: TrainCheckpoint = {
      version: 1,
      settings: { ...defaultSettings('ensemble'), architecture: 'preresnet8' },
      numClasses: 10,
      stage: 1,
      epochInStage: 1,
      step: 7,
      components: [
        {
          vertices: [[values(3, 1), values(4, 2)]],
          complex: [[0]],
          frozen: [false],
          statistics: [
            { mean: values(2, 3), variance: values(2, 4), batches: 12 },
            { mean: values(5, 5), variance: values(5, 6), batches: 12 },
          ],
        },
        { vertices: [[values(3, 7), values(4, 8)]], complex: [[0]], frozen: [true] },
      ],
      optimizer: {
        momentum: 0.9,
        weightDecay: 5e-4,
        step: 3,
        buffers: [{ name: 'b', shape: [3], values: values(3, 9) }],
      },
      history: { steps: [], epochs: [] },
    };
    const { checkpoint: back, about } = readCheckpointFile(
      concat(checkpointFile(checkpoint, { run: 'r' })),
      'c',
    );
    expect(back).toEqual(checkpoint);
    expect(about).toEqual({ run: 'r' });
  });

  it('refuse a weights file, naming it', () => {
    const weights = concat(
      writeSafetensors([{ name: 'c1.weight', shape: [1], data: new Float32Array(1) }], {}),
    );
    expect(() => readCheckpointFile(weights, 'model.safetensors')).toThrow(StudioError);
    expect(() => readCheckpointFile(weights, 'model.safetensors')).toThrow(
      /model.safetensors is not a training checkpoint/,
    );
  });
});
