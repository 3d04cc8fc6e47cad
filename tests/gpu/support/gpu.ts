// Runs the compiled step's kernels in Node on Dawn, through the step's own context and submission (the `webgpu` package). vitest.config.ts points
// Dawn at SwiftShader's Vulkan driver from Debian's chromium, so no GPU is needed; a machine with
// a Vulkan GPU driver can set VK_ICD_FILENAMES to its own. No adapter is a failure, not a skip.

import { create, globals } from 'webgpu';
import { createKernelContext, submitDispatches } from '../../../src/engine/compiled/context';
import type { Binding, Dispatch, KernelContext } from '../../../src/engine/compiled/kernels/types';

let devicePromise: Promise<GPUDevice> | null = null;
/** Held for the process's life: Dawn's instance is freed with this object, and a collected one
 *  crashes the process from its event loop. */
let gpu: GPU | null = null;

export function gpuDevice(): Promise<GPUDevice> {
  devicePromise ??= (async () => {
    Object.assign(globalThis, globals);
    gpu = create([]);
    const adapter = await gpu.requestAdapter();
    if (!adapter) {
      throw new Error(
        `No WebGPU adapter in Node (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES ?? 'unset'}). ` +
          "The gpu tests run on Dawn with SwiftShader: install Debian's chromium (it provides " +
          '/usr/lib/chromium/vk_swiftshader_icd.json) or point VK_ICD_FILENAMES at a Vulkan driver.',
      );
    }
    // As the studio's own device asks (worker/backend.ts): timestamps where offered.
    return adapter.requestDevice({
      requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    });
  })();
  return devicePromise;
}

/** A second device on the same adapter with no optional features (a GPU without timestamps). */
export async function plainDevice(): Promise<GPUDevice> {
  await gpuDevice();
  const adapter = await gpu?.requestAdapter();
  if (!adapter) throw new Error('No WebGPU adapter in Node for a second device.');
  return adapter.requestDevice();
}

/** The step's KernelContext, counting the pipelines it compiled (one per distinct WGSL source). */
export function kernelContext(
  device: GPUDevice,
  uniformWords = 16,
): KernelContext & { compiled: () => number } {
  const ctx = createKernelContext(device, uniformWords);
  const sources = new Set<string>();
  return {
    ...ctx,
    pipeline(code, label) {
      sources.add(code);
      return ctx.pipeline(code, label);
    },
    compiled: () => sources.size,
  };
}

/** Buffers are padded to 16 bytes; a test can also place a binding at a 256-byte offset. */
function storageBuffer(device: GPUDevice, bytes: number): GPUBuffer {
  return device.createBuffer({
    size: Math.max(16, Math.ceil(bytes / 16) * 16),
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
}

export function upload(device: GPUDevice, data: Float32Array | Uint32Array, offset = 0): Binding {
  const buffer = storageBuffer(device, offset + data.byteLength);
  device.queue.writeBuffer(buffer, offset, data.slice());
  return { buffer, offset, size: Math.max(4, data.byteLength) };
}

/** A binding of `words` words filled with `fill` (NaN by default, so unwritten outputs show). */
export function output(device: GPUDevice, words: number, fill = Number.NaN): Binding {
  return upload(device, new Float32Array(words).fill(fill));
}

export function writeUniforms(ctx: KernelContext, words: Uint32Array): void {
  ctx.device.queue.writeBuffer(ctx.uniforms.buffer, ctx.uniforms.offset, words.slice());
}

/** Encodes the dispatches as the step does (submitDispatches) and fails on a validation error. */
export async function run(device: GPUDevice, dispatches: readonly Dispatch[]): Promise<void> {
  device.pushErrorScope('validation');
  await submitDispatches(device, dispatches);
  const error = await device.popErrorScope();
  if (error) throw new Error(error.message);
}
