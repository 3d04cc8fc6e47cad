// The benchmark's command: run in the worker on the real engine, one measurement per progress
// event, all of them in the result. Plain data; the Node runner prints them as JSON lines.

import type { Architecture, WidthScale } from '../architecture';

export interface BenchParams {
  architecture: Architecture;
  widthScale: WidthScale;
  batchSize: number;
  /** Timed steps per training measurement (after warm-up). */
  steps: number;
  /** Also return a per-kernel time breakdown of one SPRO training step. */
  profile: boolean;
}

/** One measurement: a name and a value, printed as `{"name": value}`. */
export interface BenchMeasurement {
  name: string;
  value: number | string;
}

export interface KernelTime {
  kernel: string;
  calls: number;
  ms: number;
}

/** One SPRO training step's kernels, slowest first, with the conv gradients of tfjs or the studio. */
export interface StepProfile {
  convGradients: 'tfjs' | 'studio';
  /** Wall time of the profiled step. */
  stepMs: number;
  kernels: KernelTime[];
}

export interface BenchResult {
  measurements: Record<string, number | string>;
  /** With `profile`: the same step under tfjs's and the studio's conv gradients. */
  profiles: StepProfile[] | null;
}

export interface BenchCommands {
  bench: { params: BenchParams; result: BenchResult; progress: BenchMeasurement };
}
