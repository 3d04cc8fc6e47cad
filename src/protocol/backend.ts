// What the status bar shows about compute: which tfjs backend the worker actually runs on, and why.

export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software adapter (SwiftShader or isFallbackAdapter): everything works, slowly. */
  software: boolean;
}

/** Whose convolution gradients training uses: the studio's (matrix products) or tfjs's kernels. */
export const CONV_GRADIENTS = ['studio', 'tfjs'] as const;
export type ConvGradientsName = (typeof CONV_GRADIENTS)[number];

export function isConvGradientsName(value: string | null): value is ConvGradientsName {
  return value !== null && (CONV_GRADIENTS as readonly string[]).includes(value);
}

/** Which training step runs: the studio's compiled WebGPU step, or tfjs's op-by-op path. */
export const STEPS = ['compiled', 'tfjs'] as const;
export type StepName = (typeof STEPS)[number];

export function isStepName(value: string | null): value is StepName {
  return value !== null && (STEPS as readonly string[]).includes(value);
}

/**
 * What the batch-norm families train with on wasm: the studio's SIMD kernels for convolutions and
 * batch norm ('all'), for batch norm only while XNNPACK's pool is large ('batch norm'), or none
 * (no wasm SIMD).
 */
export type WasmKernelUse = 'all' | 'batch norm' | 'none';

export interface BackendInfo {
  name: BackendName;
  /** Set when name is 'webgpu'. */
  adapter?: AdapterDescription;
  /**
   * Set when name is 'wasm': XNNPACK's SIMD build, its threads (1 unless cross-origin isolated), and
   * what runs on the studio's own SIMD kernels (engine/wasmKernels).
   */
  wasm?: { simd: boolean; threads: number; kernels: WasmKernelUse };
  /** Why a backend earlier in the preference list was not used; empty when the first one worked. */
  fallbackReasons: string[];
  /** The backend was forced with ?backend=…. */
  forced: boolean;
  /** The backward pass of the convolutions; chosen per backend and adapter unless forced. */
  convGradients: ConvGradientsName;
  /** It was forced with ?conv=…. */
  convGradientsForced: boolean;
  /** The training step: compiled on WebGPU unless ?step=tfjs, tfjs on every other backend. */
  step: StepName;
  /** It was forced with ?step=…. */
  stepForced: boolean;
  /** Set when the backend was chosen by measuring wasm against WebGL (no hardware GPU). */
  choice?: BackendChoice;
}

/**
 * A measured choice between the CPU path (wasm) and WebGL: training images per second of each in
 * a short warm-up. The page remembers it per browser profile so later starts skip the warm-up.
 */
export interface BackendChoice {
  winner: BackendName;
  rates: Partial<Record<BackendName, number>>;
  /** ISO time of the measurement. */
  measuredAt: string;
  /** True when this start reused a remembered verdict instead of measuring. */
  remembered: boolean;
}

export function isBackendName(value: string | null): value is BackendName {
  return value !== null && (BACKENDS as readonly string[]).includes(value);
}
