// The studio's own tfjs kernels (row kernels, the max-pool gradient, the wasm conv backward, the
// conv op): whether a backend has one, and registering them once per process.

import * as tf from '@tensorflow/tfjs';

/** Whether `backendName` (the current backend when absent) has `kernelName` registered. */
export function hasKernel(kernelName: string, backendName: string = tf.getBackend()): boolean {
  // tfjs types getKernel as always found; it answers undefined for a kernel not registered.
  return (tf.getKernel(kernelName, backendName) as tf.KernelConfig | undefined) !== undefined;
}

/** Registers each of `kernels` (by kernel name) for `backendName`, unless it is registered already. */
export function registerKernels(backendName: string, kernels: Record<string, unknown>): void {
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    if (!hasKernel(kernelName, backendName)) {
      tf.registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
    }
  }
}
