// A Dawn device in Node for the compiled runtime's tests (vitest.config.ts points Dawn at
// SwiftShader's Vulkan driver). No adapter is a failure, not a skip.

import { create, globals } from 'webgpu';

/**
 * Held for the whole process: when the GPU object that create() returns is garbage-collected,
 * Dawn tears its instance down under the live device and aborts the process (std::system_error).
 */
let gpu: GPU | null = null;
let device: Promise<GPUDevice> | null = null;

export function dawnDevice(): Promise<GPUDevice> {
  device ??= (async () => {
    Object.assign(globalThis, globals);
    gpu = create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter)
      throw new Error(
        `No WebGPU adapter on Dawn (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}).`,
      );
    return adapter.requestDevice();
  })();
  return device;
}
