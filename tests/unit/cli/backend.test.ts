import { execFile } from 'node:child_process';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { startNodeBackend } from '../../../src/cli/backend';

afterAll(async () => {
  await startNodeBackend('wasm');
});

describe('startNodeBackend', () => {
  it('starts wasm with SIMD on one thread, the studio kernels for everything, and says it was requested', async () => {
    const started = await startNodeBackend('wasm');
    expect(started).toEqual({ name: 'wasm', simd: true, threads: 1, kernels: 'all', reason: 'requested' });
    expect(tf.getBackend()).toBe('wasm');
    // The studio's row kernels are there: a mix of two rows.
    const mixed = tf.tidy(() =>
      tf.engine().runKernel<tf.Tensor>('StudioMixRows', {
        stack: tf.tensor2d([1, 2, 3, 10, 20, 30], [2, 3]),
        coefficients: tf.tensor1d([0.5, 0.25]),
      }),
    );
    expect(Array.from(await mixed.data())).toEqual([3, 6, 9]);
    mixed.dispose();
  });

  it('switches to tfjs’s CPU backend and back', async () => {
    expect((await startNodeBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect((await startNodeBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('by default falls back to wasm on a machine where Dawn finds no GPU, and says why', async () => {
    const started = await startNodeBackend('auto');
    // This suite runs on machines without a GPU (CI, the development machine).
    expect(started.name).toBe('wasm');
    expect(started.reason).toMatch(/Dawn|Vulkan|adapter/);
  });

  it('a webgpu request Dawn cannot serve is NO_BACKEND with the reason', async () => {
    // In a child process whose Vulkan loader finds no driver: the test runner itself points Dawn
    // at SwiftShader (vitest.config.ts), on which webgpu would start.
    const env = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json', LD_LIBRARY_PATH: '' };
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [path.resolve('node_modules/tsx/dist/cli.mjs'), 'tests/unit/cli/support/startWebgpu.ts'],
        { env },
        (err, out) => {
          if (err) reject(new Error(err.message));
          else resolve(out);
        },
      );
    });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { code?: string; message?: string };
    expect(result.code).toBe('NO_BACKEND');
    expect(result.message).toMatch(/webgpu backend could not start \(.+\)/);
  });
});
