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

/** Images per second, measured by the warm-up. */
export interface WarmUpRates {
  /** Training images (forward and backward, SGD). */
  train: number;
  /** Images evaluated at a point of a simplex (the Surfaces section's evaluator). */
  evaluation: number;
}

export interface BenchCommands {
  bench: { params: BenchParams; result: BenchResult; progress: BenchMeasurement };
  /**
   * The start-up warm-up's measurement on the backend in use (a few training steps of a width-1/8
   * VGG11) at batches of `batchSize`, and the Surfaces evaluator's rate on the same model: the
   * quick start's estimate at its own sizes.
   */
  warmUp: { params: { batchSize: number }; result: WarmUpRates; progress: never };
}
