// Starts tfjs's wasm backend (XNNPACK, SIMD; threads where the page is cross-origin isolated) as
// the studio's CPU path, with the studio's row kernels. The same start-up in the tab's worker
// (binaries at the URLs the bundler gives them) and in Node (binaries found beside the package's
// own script, offline). tfjs-wasm has no Conv2DBackpropFilter: the studio's conv gradients
// (model/conv3x3.ts, as convolutions, with the loops of model/convGradientKernels.ts) train there.
// The batch-norm families' convs and batch norm run on the studio's own SIMD kernels
// (wasmKernels/), loaded into tfjs-wasm's memory here.

import * as tf from '@tensorflow/tfjs';
import {
  getThreadsCount,
  setThreadsCount,
  setWasmPaths,
  type BackendWasm,
} from '@tensorflow/tfjs-backend-wasm';
import { registerWasmBatchNormKernels } from '../model/batchNorm';
import { registerWasmConvKernels } from '../model/convGradientKernels';
import { registerWasmMaxPoolKernel } from '../model/maxPool2x2';
import type { WasmKernelUse } from '../../protocol/backend';
import { registerWasmConvPasses } from '../model/wasmConv';
import { registerWasmRowKernels } from '../simplex/wasmRowKernels';
import { loadWasmKernels } from '../wasmKernels';

/** URLs of tfjs-wasm's three binaries, by file name; omitted in Node. */
export type WasmBinaryUrls = Record<
  'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm',
  string
>;

export interface WasmStarted {
  simd: boolean;
  /** What runs on the studio's own SIMD kernels (wasmKernels/). */
  kernels: WasmKernelUse;
  /** XNNPACK's thread pool: 1 unless the page is cross-origin isolated (never in Node). */
  threads: number;
}

/**
 * Makes 'wasm' tfjs's backend. `threads` caps the pool (default: one per logical core, where
 * threads are possible at all). Throws where WebAssembly or the binaries are missing.
 */
export async function startWasmBackend(binaries?: WasmBinaryUrls, threads?: number): Promise<WasmStarted> {
  if (binaries) setWasmPaths(binaries);
  if (threads !== undefined) setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs could not initialise its wasm backend');
  await tf.ready();
  registerWasmRowKernels();
  registerWasmMaxPoolKernel();
  registerWasmConvKernels();
  registerWasmBatchNormKernels();
  registerWasmConvPasses();
  acceptReshapedBias();
  shareOnIdentity();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
  const pool = multithread ? getThreadsCount() : 1;
  const kernels = await loadWasmKernels(tf.backend() as unknown as BackendWasm, simd, pool);
  return { simd, threads: pool, kernels };
}

let biasPatched = false;

/**
 * tfjs-wasm's fused kernels (_FusedMatMul, FusedConv2D) check the rank of the shape the bias's
 * buffer was first written with, not the bias tensor's: a bias reshaped from a [1, n] vertex row
 * (a base model's stack, no copy) is refused though it holds the same n floats. The kernels read
 * only the buffer, so the check is given the tensor's own shape for the call.
 */
function acceptReshapedBias(): void {
  if (biasPatched) return;
  biasPatched = true;
  for (const kernelName of [tf._FusedMatMul, tf.FusedConv2D]) {
    const config = tf.getKernel(kernelName, 'wasm');
    const original = config.kernelFunc;
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const bias = args.inputs.bias;
        const data = bias ? (args.backend as unknown as BackendWasm).dataIdMap.get(bias.dataId) : undefined;
        if (!bias || !data || data.shape.length === 1) return original(args);
        const written = data.shape;
        data.shape = bias.shape;
        try {
          return original(args);
        } finally {
          data.shape = written;
        }
      },
    });
  }
}

let identityShared = false;

/**
 * tfjs-wasm's Identity copies its input into a new buffer, where the CPU, WebGL and WebGPU backends
 * share it (a reference count, as tfjs-wasm's own Reshape does). The tape clones every tensor a
 * gradient saves (each layer's input, weights and output, 82 a VGG16 step), so training copied
 * every activation once more per step. Tensors are immutable (a variable's assign swaps buffers,
 * and every kernel writes a fresh output), so sharing is safe.
 */
function shareOnIdentity(): void {
  if (identityShared) return;
  identityShared = true;
  const config = tf.getKernel(tf.Identity, 'wasm');
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    ...config,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return config.kernelFunc(args);
      (args.backend as unknown as BackendWasm).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}
