// The Ensembles section's command and the report it gets back. Plain data shared by page and
// worker: the engine fills an EnsembleReport (engine/eval/ensembleReport.ts), the page draws and
// exports it without recomputing anything.

import type { BatchNormChoice } from '../batchNorm';
import type { DatasetId } from './data';

/** One simplex of a library model; base models have one simplex of one vertex. */
export interface ComponentChoice {
  modelId: string;
  /** Index into the model's complex. */
  simplex: number;
}

/** CIFAR-10-C's gaussian_noise severities: σ on [0,1] pixels (σ/std per channel once normalised). */
export const NOISE_SEVERITIES = [0.04, 0.06, 0.08, 0.09, 0.1] as const;

/** Points per simplex at which ESPRO's error is reported (those ≤ M, then M itself). */
export const POINT_GRID = [1, 2, 5, 10, 25] as const;

export interface EnsembleEvalParams {
  components: ComponentChoice[];
  /** The dataset whose test split is evaluated (and whose train split gives the held-out slice). */
  datasetId: DatasetId;
  /** Sampled points per simplex, M (the paper: 25). */
  pointsPerSimplex: number;
  /** First N test images (0 = all). */
  testLimit: number;
  /** Fit a temperature per predictor on the last `heldOut` train images; 0 = no temperature scaling. */
  heldOut: number;
  /** Evaluate again under Gaussian noise at NOISE_SEVERITIES. */
  noise: boolean;
  /** Seeds the sampled points, the random-point-per-batch draws and the noise. */
  seed: number;
  batchSize: number;
  /**
   * Batch-norm networks: each sampled point's statistics, stored (the reference's, and the
   * default) or recomputed there from the dataset's training images. Absent: stored.
   */
  batchNorm?: BatchNormChoice;
}

export type PredictorKind =
  /** Softmax averaged over M points of each of the first k components. */
  | 'espro'
  /** Softmax averaged over the base modes of the first k components. */
  | 'deepEnsemble'
  /** One component: softmax averaged over its M points. */
  | 'component'
  /** One component's base mode alone. */
  | 'componentMode'
  /** A fresh random point for every test batch (a random component's, for the whole ensemble). */
  | 'randomPoint';

export interface MetricRow {
  /** Unique within a report: kind, components, points, condition and calibration. */
  key: string;
  label: string;
  kind: PredictorKind;
  /** 0-based component for per-component rows, null for rows over the first `components`. */
  component: number | null;
  /** How many components the prediction uses. */
  components: number;
  /** Points per simplex averaged (null for base modes and one-point-per-batch rows). */
  points: number | null;
  /** 0 on clean images, 1–5 for Gaussian noise severities. */
  severity: number;
  /** Noise σ on [0,1] pixels (0 when clean). */
  sigma: number;
  /** Null when uncalibrated; the fitted temperature otherwise. */
  temperature: number | null;
  images: number;
  error: number;
  nll: number;
  brier: number;
  /** 15-bin expected calibration error. */
  ece: number;
  /** Images passed forward and backward to train what the row uses; null when unknown. */
  cost: number | null;
}

export interface ReliabilitySeries {
  label: string;
  /** Per bin of 15: upper edge, rows, accuracy and mean confidence. */
  bins: { lower: number; upper: number; count: number; accuracy: number; confidence: number }[];
}

export interface ComponentInfo {
  label: string;
  modelId: string;
  modelName: string;
  /** Vertex indices of the simplex in its model. */
  simplex: number[];
  /** The vertex used as the base mode (role 'mode', else the simplex's first vertex). */
  modeVertex: number;
  /** Training cost in images forward and backward; null when unknown (imported models). */
  cost: number | null;
  /** Cost of the base mode alone; null when unknown. */
  modeCost: number | null;
  /** How the cost was counted, or why it is unknown. */
  costNote: string;
}

export interface EnsembleReport {
  params: EnsembleEvalParams;
  datasetName: string;
  classes: number;
  testImages: number;
  components: ComponentInfo[];
  /** Points per simplex in the "error against M" rows. */
  pointGrid: number[];
  /** Where the temperatures were fitted, or null without temperature scaling. */
  heldOut: { first: number; count: number; note: string } | null;
  rows: MetricRow[];
  reliability: ReliabilitySeries[];
  seconds: number;
}

export type EnsembleProgress = {
  /** What is being evaluated: 'test', 'held-out', or 'noise σ=…'. */
  phase: string;
  /** Forward passes over the phase's images done and planned, across all phases. */
  done: number;
  total: number;
};

export interface EnsembleCommands {
  /**
   * Evaluates ESPRO, the deep ensemble of base modes, each component, and the reference's
   * one-random-point-per-batch accuracy; cancel with `cancel`.
   */
  evaluateEnsemble: { params: EnsembleEvalParams; result: EnsembleReport; progress: EnsembleProgress };
}
