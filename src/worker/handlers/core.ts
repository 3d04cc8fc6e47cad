// Runs in the worker: backend start-up and the kernel round trip the status bar and tests use.

import * as tf from '@tensorflow/tfjs';
import type { CoreCommands } from '../../protocol/messages';
import type { BackendName } from '../../protocol/backend';
import { StudioError } from '../../protocol/errors';
import { startBackend } from '../backend';
import { WASM_BINARIES } from '../wasmBinaries';
import type { Handlers } from './types';
import { postEvent, cancelRequest } from '../events';

export const coreHandlers: Handlers<CoreCommands> = {
  async init({ backend, convGradients, step, remembered }) {
    return startBackend({
      forced: backend,
      onDeviceLost: (error) => {
        postEvent({ type: 'deviceLost', error });
      },
      convGradients,
      step: step ?? null,
      wasmBinaries: WASM_BINARIES,
      remembered: remembered ?? null,
    });
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
