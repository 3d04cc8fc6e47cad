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

export interface BackendInfo {
  name: BackendName;
  /** Set when name is 'webgpu'. */
  adapter?: AdapterDescription;
  /** Why a backend earlier in the preference list was not used; empty when the first one worked. */
  fallbackReasons: string[];
  /** The backend was forced with ?backend=…. */
  forced: boolean;
  /** The backward pass of the convolutions; chosen per backend and adapter unless forced. */
  convGradients: ConvGradientsName;
  /** It was forced with ?conv=…. */
  convGradientsForced: boolean;
}

export function isBackendName(value: string | null): value is BackendName {
  return value !== null && (BACKENDS as readonly string[]).includes(value);
}
