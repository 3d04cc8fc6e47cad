// Runs in the worker: backend start-up and the kernel round trip the status bar and tests use.
// The backend starts once per worker: a second `init` (React's development mode mounts the shell
// twice; a page may ask again) gets the first one's answer rather than a second, racing start.

import * as tf from '@tensorflow/tfjs';
import type { CoreCommands } from '../../protocol/messages';
import type { BackendInfo, BackendName } from '../../protocol/backend';
import { StudioError } from '../../protocol/errors';
import { startBackend } from '../backend';
import { WASM_BINARIES } from '../wasmBinaries';
import type { Handlers } from './types';
import { postEvent, cancelRequest } from '../events';

let resolveStarted: (info: Promise<BackendInfo>) => void = () => undefined;
/** The backend's start: pending until the page's `init` arrives, then that start. */
const started = new Promise<BackendInfo>((resolve) => {
  resolveStarted = resolve;
});
// A failed start is each waiting command's error, not an unhandled rejection.
started.catch(() => undefined);
let initialised = false;

/** Resolves once the backend has started; rejects with why it could not. */
export function backendStarted(): Promise<BackendInfo> {
  return started;
}

export const coreHandlers: Handlers<CoreCommands> = {
  async init({ backend, convGradients, step, remembered }) {
    if (!initialised) {
      initialised = true;
      resolveStarted(
        startBackend({
          forced: backend,
          onDeviceLost: (error) => {
            postEvent({ type: 'deviceLost', error });
          },
          convGradients,
          step: step ?? null,
          wasmBinaries: WASM_BINARIES,
          remembered: remembered ?? null,
        }),
      );
    }
    return started;
  },

  async matmul({ a, b, m, k, n }) {
    if (a.length !== m * k || b.length !== k * n) {
      throw new StudioError('BAD_ARGUMENT', `matmul expects ${m}×${k} and ${k}×${n} values.`);
    }
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])));
    const values = Array.from(await product.data());
    product.dispose();
    return { values, backend: tf.getBackend() as BackendName };
  },

  cancel({ target }) {
    return Promise.resolve({ cancelled: cancelRequest(target) });
  },
};
