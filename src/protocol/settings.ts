// The experiment is data: one JSON-round-tripping settings object per run. Everything a run
// does follows from it (seeds included); derived values (stage plan, λ, step counts) are
// recomputed, never stored. Plain data shared by the page, the worker, the CLI and the engine.

import type { Architecture, WidthScale } from './architecture';

export const PROCEDURES = ['base', 'simplex', 'complex', 'ensemble'] as const;
export type Procedure = (typeof PROCEDURES)[number];

export const PROCEDURE_LABELS: Record<Procedure, string> = {
  base: 'Base model',
  simplex: 'Simplex around a mode (SPRO)',
  complex: 'Mode-connecting complex',
  ensemble: 'Ensemble of simplexes (ESPRO)',
};

export interface TrainSettings {
  procedure: Procedure;
  /** Dataset id in the studio's storage (or a CLI path). */
  datasetId: string;
  architecture: Architecture;
  widthScale: WidthScale;
  /** Seeds initialisation, shuffling, augmentation, dropout and simplex sampling. */
  seed: number;
  batchSize: number;
  /** Epochs of a base-model stage (base procedure, and each ESPRO component's first vertex). */
  baseEpochs: number;
  baseLr: number;
  /** Epochs per added vertex or connector. */
  epochsPerVertex: number;
  /** Learning rate of vertex/connector stages. */
  simplexLr: number;
  momentum: number;
  weightDecay: number;
  /** Draws per batch in vertex stages (the reference's n_sample). */
  nSample: number;
  /** The reference's LMBD; λ per vertex count is max(LMBD / log(V_init + 1e-4), 1e-8). */
  lmbd: number;
  /** 'sum' over draws as the reference (its learning rates assume it), or 'mean'. */
  reduction: 'sum' | 'mean';
  /** Vertices added to the mode (simplex) or to each ESPRO component's base vertex (ensemble). */
  vertices: number;
  /** Connectors joined to every mode (complex). */
  connectors: number;
  /** Model-library ids of the modes a simplex (one) or a complex (two or more) starts from. */
  modes: string[];
  /** ESPRO components (independent simplexes). */
  components: number;
  /** Metrics (and the volume's CPU determinant) are read from the GPU every this many steps. */
  readEvery: number;
  /** Use only the first N training images (0 = all): quick trials and tests. */
  trainLimit: number;
  /** Test images evaluated after each epoch (0 = all). */
  testLimit: number;
}

/** The reference's defaults (DESIGN.md), per procedure; CIFAR-100 doubles epochs per vertex. */
export function defaultSettings(
  procedure: Procedure,
  datasetId = 'synthetic',
  numClasses = 10,
): TrainSettings {
  const cifar100 = numClasses > 10;
  return {
    procedure,
    datasetId,
    architecture: 'vgg16',
    widthScale: 1,
    seed: 1,
    batchSize: 128,
    baseEpochs: 300,
    baseLr: 0.05,
    epochsPerVertex: cifar100 ? 20 : 10,
    simplexLr: procedure === 'complex' ? 0.005 : 0.01,
    momentum: 0.9,
    weightDecay: procedure === 'complex' ? 0 : 5e-4,
    nSample: 5,
    lmbd: procedure === 'ensemble' ? 1e-6 : procedure === 'complex' ? 0.1 : 1e-10,
    reduction: 'sum',
    vertices: procedure === 'ensemble' ? 2 : 4,
    connectors: 2,
    modes: [],
    components: 3,
    readEvery: 10,
    trainLimit: 0,
    testLimit: 0,
  };
}
