// The compiled step's device-side plumbing: the KernelContext every kernel builder receives (one
// pipeline per distinct WGSL source, the step's uniform buffer), storage buffers, readback, and
// the one command encoder a step is encoded into. Runs in the worker and in Node on Dawn.

import { StudioError } from '../../protocol/errors';
import type { Binding, Dispatch, KernelContext, Pipeline } from './kernels/types';

/** Pipelines by WGSL source, per device: every stage of every run shares them, and a run's next
 *  stage or a resumed run compiles only the shapes it has not seen. */
const pipelines = new WeakMap<GPUDevice, Map<string, Pipeline>>();
/** Bind group layouts by their entries' signature, per device. */
const layouts = new WeakMap<GPUDevice, Map<string, GPUBindGroupLayout>>();

const DECLARATION =
  /@group\(0\)\s*@binding\((\d+)\)\s*var<\s*(uniform|storage\s*(?:,\s*(read_write|read))?)\s*>/g;

/** Group 0's layout, from the WGSL's own declarations (bindings 0…n−1, as `dispatch` binds them). */
function bindGroupLayout(device: GPUDevice, code: string, label: string): GPUBindGroupLayout {
  const declared = new Map<number, GPUBufferBindingType>();
  for (const [, index, kind, access] of code.matchAll(DECLARATION)) {
    declared.set(
      Number(index),
      kind === 'uniform' ? 'uniform' : access === 'read_write' ? 'storage' : 'read-only-storage',
    );
  }
  const types = Array.from({ length: declared.size }, (_, i) => declared.get(i));
  if (types.length === 0 || !types.every((t) => t !== undefined)) {
    throw new Error(`${label}: its WGSL must declare group 0's bindings 0…n−1.`);
  }
  const signature = types.join(',');
  const cache = layouts.get(device) ?? new Map<string, GPUBindGroupLayout>();
  layouts.set(device, cache);
  let layout = cache.get(signature);
  if (!layout) {
    layout = device.createBindGroupLayout({
      label: signature,
      entries: types.map((type, binding) => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type },
      })),
    });
    cache.set(signature, layout);
  }
  return layout;
}

/** A KernelContext whose uniform buffer holds `uniformWords` words (a multiple of 4). */
export function createKernelContext(device: GPUDevice, uniformWords: number): KernelContext {
  const cache = pipelines.get(device) ?? new Map<string, Pipeline>();
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
      const known = cache.get(code);
      if (known) return known;
      const layout = bindGroupLayout(device, code, label);
      const ready = device.createComputePipelineAsync({
        label,
        layout: device.createPipelineLayout({ label, bindGroupLayouts: [layout] }),
        compute: { module: device.createShaderModule({ label, code }), entryPoint: 'main' },
      });
      const pipeline: Pipeline = { layout, ready, compiled: null };
      // A failed compile rejects for whoever awaits it (pipelinesReady), and is not left unhandled.
      ready.then(
        (compiled) => {
          pipeline.compiled = compiled;
        },
        () => undefined,
      );
      cache.set(code, pipeline);
      return pipeline;
    },
    uniforms: { buffer, offset: 0, size },
  };
}

/** Waits until every dispatch's pipeline is compiled; a kernel the driver fails to compile is a
 *  StudioError that names it. */
export async function pipelinesReady(dispatches: readonly Dispatch[]): Promise<void> {
  await Promise.all(
    dispatches.map((d) =>
      d.pipeline.ready.catch((error: unknown) => {
        throw new StudioError(
          'INTERNAL',
          `The compiled step's kernel “${d.label}” did not compile on this GPU ` +
            `(${error instanceof Error ? error.message : String(error)}). ?step=tfjs trains without it.`,
          false,
        );
      }),
    ),
  );
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

/** Encodes `dispatches` in order into one compute pass of one encoder, and submits once (when
 *  their pipelines are compiled). */
export async function submitDispatches(device: GPUDevice, dispatches: readonly Dispatch[]): Promise<void> {
  await pipelinesReady(dispatches);
  const encoder = device.createCommandEncoder();
  encodeDispatches(encoder, dispatches);
  device.queue.submit([encoder.finish()]);
}

/** `timestampWrites` times the pass on the GPU (a device with timestamp-query). */
export function encodeDispatches(
  encoder: GPUCommandEncoder,
  dispatches: readonly Dispatch[],
  timestampWrites?: GPUComputePassTimestampWrites,
): void {
  // One pass: WebGPU orders storage writes between dispatches of a pass, so each dispatch sees
  // the previous ones' results.
  const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : {});
  for (const d of dispatches) {
    if (!d.pipeline.compiled) throw new Error(`${d.label}: encoded before its pipeline compiled.`);
    pass.setPipeline(d.pipeline.compiled);
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
