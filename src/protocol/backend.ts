// What the status bar shows about compute: which tfjs backend the worker actually runs on, and why.

export const BACKENDS = ['webgpu', 'webgl', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software adapter (SwiftShader or isFallbackAdapter): everything works, slowly. */
  software: boolean;
}

export interface BackendInfo {
  name: BackendName;
  /** Set when name is 'webgpu'. */
  adapter?: AdapterDescription;
  /** Why a backend earlier in the preference list was not used; empty when the first one worked. */
  fallbackReasons: string[];
  /** The backend was forced with ?backend=…. */
  forced: boolean;
}

export function isBackendName(value: string | null): value is BackendName {
  return value !== null && (BACKENDS as readonly string[]).includes(value);
}
