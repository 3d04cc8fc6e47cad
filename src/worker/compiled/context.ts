// The compiled step's device-side plumbing: the KernelContext every kernel builder receives (one
// pipeline per distinct WGSL source, the step's uniform buffer), storage buffers, readback, and
// the one command encoder a step is encoded into. Runs in the worker and in Node on Dawn.

import { StudioError } from '../../protocol/errors';
import type { Binding, Dispatch, KernelContext } from './kernels/types';

/** A KernelContext whose uniform buffer holds `uniformWords` words (a multiple of 4). */
/** Compiled pipelines by WGSL source, per device: every stage of every run shares them, and a
 *  run's next stage or a resumed run compiles only the shapes it has not seen. */
const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export function createKernelContext(device: GPUDevice, uniformWords: number): KernelContext {
  const cache = pipelines.get(device) ?? new Map<string, GPUComputePipeline>();
  pipelines.set(device, cache);
  const size = Math.max(16, Math.ceil(uniformWords / 4) * 16);
  const buffer = device.createBuffer({
    label: 'step uniforms',
    size,
    usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  });
  return {
    device,
    pipeline(code, label) {
      let pipeline = cache.get(code);
      if (!pipeline) {
        pipeline = device.createComputePipeline({
          label,
          layout: 'auto',
          compute: { module: device.createShaderModule({ label, code }), entryPoint: 'main' },
        });
        cache.set(code, pipeline);
      }
      return pipeline;
    },
    uniforms: { buffer, offset: 0, size },
  };
}

/** A whole storage buffer of `bytes` (rounded up to 16) as a Binding, zero-filled by WebGPU. */
export function storageBinding(device: GPUDevice, label: string, bytes: number): Binding {
  const size = Math.max(16, Math.ceil(bytes / 16) * 16);
  if (size > device.limits.maxStorageBufferBindingSize) {
    throw new StudioError(
      'DEVICE_LOST',
      `The compiled step needs a ${(size / 2 ** 20).toFixed(0)} MiB buffer for ${label}; this GPU binds at most ` +
        `${(device.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB. Use a smaller width or batch, or ?step=tfjs.`,
      false,
    );
  }
  const buffer = device.createBuffer({
    label,
    size,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  return { buffer, offset: 0, size };
}

/** Encodes `dispatches` in order into one compute pass of one encoder, and submits once. */
export function submitDispatches(device: GPUDevice, dispatches: readonly Dispatch[]): void {
  const encoder = device.createCommandEncoder();
  encodeDispatches(encoder, dispatches);
  device.queue.submit([encoder.finish()]);
}

export function encodeDispatches(encoder: GPUCommandEncoder, dispatches: readonly Dispatch[]): void {
  // One pass: WebGPU orders storage writes between dispatches of a pass, so each dispatch sees
  // the previous ones' results.
  const pass = encoder.beginComputePass();
  for (const d of dispatches) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.workgroups);
  }
  pass.end();
}

let reads = 0;

/** GPU→CPU reads readFloats has made in this thread: the benchmark's readbacks_per_step. */
export function compiledReads(): number {
  return reads;
}

/** The binding's words, read back (off the hot path: checkpoints, exports, measurements). */
export async function readFloats(
  device: GPUDevice,
  from: Binding,
  floats = from.size / 4,
): Promise<Float32Array> {
  reads++;
  const bytes = Math.ceil((floats * 4) / 4) * 4;
  const staging = device.createBuffer({
    size: Math.max(4, bytes),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(from.buffer, from.offset, staging, 0, bytes);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    return out;
  } finally {
    staging.destroy();
  }
}
