// The interface between the compiled step's kernel library (this folder) and its runtime (the rest
// of src/engine/compiled). Runs in the worker and in Node on Dawn; no DOM.
//
// Every builder is a plain function `buildX(ctx, shape, bindings, options?) => Dispatch[]`, called
// once per run: shapes are static and baked into the WGSL as constants, and the only per-step
// numbers are read from `ctx.uniforms` at word offsets the runtime passes in. A builder never
// allocates: any scratch buffer it needs is passed in as a Binding sized by the op's exported
// `xScratchBytes(shape)`, so the runtime allocates everything once.
//
// Layouts: activations NHWC f32; conv weights HWIO [3,3,Cin,Cout] (the studio's tfjs layout),
// dense weights [in,out], biases [out]. N is any integer ≥ 1, C any width, classes any count.

/** A storage-buffer range. offset is a multiple of device.limits.minStorageBufferOffsetAlignment (256). */
export interface Binding {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

/**
 * A compute pipeline compiled off the GPU's main thread (createComputePipelineAsync), so a run's
 * start does not stall the page's drawing while the driver compiles. Its bind group layout is
 * known at once, from the WGSL's declarations; `compiled` is set when `ready` resolves, and a
 * dispatch is encoded only after that (context.ts `pipelinesReady`).
 */
export interface Pipeline {
  readonly layout: GPUBindGroupLayout;
  readonly ready: Promise<GPUComputePipeline>;
  compiled: GPUComputePipeline | null;
}

/** One recorded dispatch, built once per run and encoded every step. */
export interface Dispatch {
  label: string;
  pipeline: Pipeline;
  bindGroup: GPUBindGroup;
  workgroups: readonly [number, number, number];
}

/** What every kernel builder receives. */
export interface KernelContext {
  device: GPUDevice;
  /** Starts compiling each distinct WGSL source once per device (key = the source). */
  pipeline(code: string, label: string): Pipeline;
  /** The step's uniform buffer (written once per step by the runtime); kernels read their
   *  per-step numbers from it at word offsets the runtime passes in (u32/f32, 4 bytes a word). */
  uniforms: Binding;
}
