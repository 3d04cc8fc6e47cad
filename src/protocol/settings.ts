// The experiment is data: one JSON-round-tripping settings object per run. Everything a run
// does follows from it (seeds included); derived values (stage plan, λ, step counts) are
// recomputed, never stored. Plain data shared by the page, the worker, the CLI and the engine.

import { WIDTH_SCALES, architectureError, type Architecture, type WidthScale } from './architecture';
import { StudioError } from './errors';

export const PROCEDURES = ['base', 'simplex', 'complex', 'ensemble', 'curve'] as const;
export type Procedure = (typeof PROCEDURES)[number];

export const PROCEDURE_LABELS: Record<Procedure, string> = {
  base: 'Base model',
  simplex: 'Simplex around a mode (SPRO)',
  complex: 'Mode-connecting complex',
  ensemble: 'Ensemble of simplexes (ESPRO)',
  curve: 'Curve between two modes (Bezier / PolyChain)',
};

/** How many library modes a procedure starts from: exactly `min`…`max` (0 and 0: none). */
export const MODE_COUNTS: Record<Procedure, { min: number; max: number }> = {
  base: { min: 0, max: 0 },
  simplex: { min: 1, max: 1 },
  complex: { min: 2, max: Infinity },
  ensemble: { min: 0, max: 0 },
  curve: { min: 2, max: 2 },
};

/** Garipov et al.'s curve parametrisations (engine/simplex/curve.ts). */
export const CURVES = ['bezier', 'polychain'] as const;
export type Curve = (typeof CURVES)[number];

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
  /** Controlled comparisons: the reference's random crop and flip (off: the images as stored). */
  augment: boolean;
  /** A new order of the training images each epoch (off: file order every epoch). */
  shuffle: boolean;
  /** Dropout rate of the classifier's two hidden layers (the reference's 0.5; 0 turns it off). */
  dropout: number;
  /** End the run after this many steps, mid-epoch if need be (0: run every epoch). */
  stopAfter: number;
  /** Keep the weights after every epoch (the training path the Surfaces section draws a plane of). */
  keepPath: boolean;
  /** Curve procedure: Bezier or PolyChain (the curve code's --curve). */
  curve: Curve;
  /** Curve procedure: control points, the two ends included (the curve code's --num_bends). */
  numBends: number;
  /** Curve procedure: epochs, with the curve code's schedule (full rate, down to 1% from 50% to 90%). */
  curveEpochs: number;
  curveLr: number;
}

/** The curve settings, as runs stored before curves existed read (they were not curves). */
export const CURVE_DEFAULTS = { curve: 'bezier', numBends: 3, curveEpochs: 600, curveLr: 0.015 } as const;

/** The controlled-comparison settings, as runs stored before they existed trained. */
export const CONTROL_DEFAULTS = {
  augment: true,
  shuffle: true,
  dropout: 0.5,
  stopAfter: 0,
  keepPath: false,
} as const;

/** Settings stored by an earlier version, completed with what those runs did. */
export function completeSettings(settings: TrainSettings): TrainSettings {
  return { ...CONTROL_DEFAULTS, ...CURVE_DEFAULTS, ...settings };
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
    ...CONTROL_DEFAULTS,
    // The curve code's VGG16 settings (its README): lr 0.015, wd 5e-4, 600 epochs, 3 bends.
    ...CURVE_DEFAULTS,
  };
}

/** The batch size the reference's learning rates are for. */
export const REFERENCE_BATCH = 128;

/** The learning rates that follow the batch size. */
export const RATE_KEYS = ['baseLr', 'simplexLr', 'curveLr'] as const;

/**
 * A rate the reference gives for batches of 128, at `batchSize`: scaled linearly (the linear
 * scaling rule of Goyal et al. 2017), rounded to 6 significant digits. The reference's 0.05 at a
 * batch of 32 is 0.0125: at 0.05 a VGG11 on all of Fashion-MNIST falls to chance by its second
 * epoch (measured in PyTorch too), at 0.0125 it learns.
 */
export function rateForBatch(rate: number, batchSize: number): number {
  return Number(((rate * batchSize) / REFERENCE_BATCH).toPrecision(6));
}

/** `settings` with every rate the reference's (for `procedure`) scaled to `settings.batchSize`. */
export function withBatchRates(settings: TrainSettings): TrainSettings {
  const reference = defaultSettings(settings.procedure);
  const out = { ...settings };
  for (const key of RATE_KEYS) out[key] = rateForBatch(reference[key], settings.batchSize);
  return out;
}

/**
 * The reference's settings; small ones that give a first result in minutes without a GPU; and
 * ones that learn a real dataset on a CPU (Fashion-MNIST: 88% in under 10 minutes on wasm).
 */
export const PRESETS = ['reference', 'small', 'cpu'] as const;
export type Preset = (typeof PRESETS)[number];

export const PRESET_LABELS: Record<Preset, string> = {
  reference: 'Reference (the paper’s)',
  small: 'Small (a quick trial)',
  cpu: 'Real data on a CPU',
};

/**
 * A preset's settings. Small: VGG11 at width 1/8 on 2,000 training images (512 test), batches of
 * 32 (the reference's rates scaled to them: 0.0125 and 0.0025), 4 base epochs and 2 per vertex,
 * 2 draws, at most 2 added vertices, 2 ESPRO components and 1 connector; everything else as the
 * reference. CPU: VGG11-BN at width 1/8 on every training and test image, batches of 64 (rates
 * 0.025 and 0.005), no augmentation, 5 base epochs and 1 per vertex with 2 draws, at most 2 added
 * vertices, 2 components, 1 connector: chosen by measurement on Fashion-MNIST (README, Training).
 */
export function presetSettings(
  preset: Preset,
  procedure: Procedure,
  datasetId = 'synthetic',
  numClasses = 10,
): TrainSettings {
  const reference = defaultSettings(procedure, datasetId, numClasses);
  if (preset === 'reference') return reference;
  const small = {
    vertices: Math.min(reference.vertices, 2),
    nSample: 2,
    connectors: 1,
    components: 2,
  };
  if (preset === 'cpu') {
    return withBatchRates({
      ...reference,
      ...small,
      architecture: 'vgg11bn',
      widthScale: 0.125,
      batchSize: 64,
      augment: false,
      baseEpochs: 5,
      epochsPerVertex: 1,
      curveEpochs: 5,
      trainLimit: 0,
      testLimit: 0,
    });
  }
  return withBatchRates({
    ...reference,
    architecture: 'vgg11',
    widthScale: 0.125,
    batchSize: 32,
    baseEpochs: 4,
    epochsPerVertex: 2,
    curveEpochs: 4,
    ...small,
    trainLimit: 2000,
    testLimit: 512,
  });
}

/** The settings that are free numbers (the width scale is a choice of four). */
export type NumericSettingKey = Exclude<
  { [K in keyof TrainSettings]: TrainSettings[K] extends number ? K : never }[keyof TrainSettings],
  'widthScale'
>;

/** What a numeric setting may be. */
export interface NumberRule {
  integer: boolean;
  min: number;
  /** The value must be greater than `min`, not equal to it. */
  exclusiveMin?: boolean;
  max?: number;
  exclusiveMax?: boolean;
}

/** The one place that says which values a run accepts (form, worker, CLI and cost model read it). */
export const NUMBER_RULES: Record<NumericSettingKey, NumberRule> = {
  seed: { integer: true, min: 0, max: 2 ** 32 - 1 },
  batchSize: { integer: true, min: 1 },
  baseEpochs: { integer: true, min: 1 },
  baseLr: { integer: false, min: 0, exclusiveMin: true },
  epochsPerVertex: { integer: true, min: 1 },
  simplexLr: { integer: false, min: 0, exclusiveMin: true },
  momentum: { integer: false, min: 0, max: 1, exclusiveMax: true },
  weightDecay: { integer: false, min: 0 },
  nSample: { integer: true, min: 1 },
  lmbd: { integer: false, min: 0 },
  vertices: { integer: true, min: 1 },
  connectors: { integer: true, min: 1 },
  components: { integer: true, min: 1 },
  readEvery: { integer: true, min: 1 },
  trainLimit: { integer: true, min: 0 },
  testLimit: { integer: true, min: 0 },
  dropout: { integer: false, min: 0, max: 1, exclusiveMax: true },
  stopAfter: { integer: true, min: 0 },
  numBends: { integer: true, min: 3, max: 12 },
  curveEpochs: { integer: true, min: 1 },
  curveLr: { integer: false, min: 0, exclusiveMin: true },
};

/** Per setting, a sentence saying what is wrong with its value. */
export type SettingsErrors = Partial<Record<keyof TrainSettings, string>>;

/** Why `value` breaks `rule`, or null when it does not. */
export function numberError(rule: NumberRule, value: number): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'Must be a finite number.';
  if (rule.integer && !Number.isInteger(value)) return 'Must be a whole number.';
  if (rule.exclusiveMin ? value <= rule.min : value < rule.min) {
    return rule.exclusiveMin ? `Must be above ${rule.min}.` : `At least ${rule.min}.`;
  }
  if (rule.max !== undefined && (rule.exclusiveMax ? value >= rule.max : value > rule.max)) {
    return rule.exclusiveMax ? `Must be below ${rule.max}.` : `At most ${rule.max}.`;
  }
  return null;
}

/** Training images a run reads per epoch, before dropping the partial last batch. */
export function trainImagesUsed(settings: Pick<TrainSettings, 'trainLimit'>, trainCount: number): number {
  return settings.trainLimit > 0 ? Math.min(settings.trainLimit, trainCount) : trainCount;
}

/**
 * The work of a run: training images through the network (each draw of a step counts, the
 * partial last batch of an epoch is dropped, a stop after N steps is honoured) and test images
 * evaluated after the epochs. Mirrors the engine's stage plan (engine/train/plan.ts).
 */
export function runWork(
  settings: TrainSettings,
  trainCount: number,
  testCount: number,
): { train: number; test: number } {
  const steps = Math.floor(trainImagesUsed(settings, trainCount) / settings.batchSize);
  const vertexEpochs = settings.epochsPerVertex;
  // [epochs, draws per step] of each stage.
  const stages: [number, number][] =
    settings.procedure === 'base'
      ? [[settings.baseEpochs, 1]]
      : settings.procedure === 'simplex'
        ? Array.from({ length: settings.vertices }, () => [vertexEpochs, settings.nSample])
        : settings.procedure === 'complex'
          ? Array.from({ length: settings.connectors }, () => [vertexEpochs, settings.nSample])
          : Array.from({ length: settings.components }, (): [number, number][] => [
              [settings.baseEpochs, 1],
              ...Array.from({ length: settings.vertices }, (): [number, number] => [
                vertexEpochs,
                settings.nSample,
              ]),
            ]).flat();
  let budget = settings.stopAfter > 0 ? settings.stopAfter : Infinity;
  let train = 0;
  let epochs = 0;
  for (const [stageEpochs, draws] of stages) {
    for (let e = 0; e < stageEpochs && budget > 0; e++) {
      const taken = Math.min(steps, budget);
      budget -= taken;
      train += taken * settings.batchSize * draws;
      epochs++;
    }
  }
  const tested = settings.testLimit > 0 ? Math.min(settings.testLimit, testCount) : testCount;
  return { train, test: epochs * tested };
}

/**
 * Every check a run's settings must pass, per setting (empty when they are sound). With
 * `trainImages` (the dataset's training count) the batch size is checked against the images used.
 * Modes are checked by count only: whether they fit the run is the model library's business.
 */
export function validateSettings(settings: TrainSettings, trainImages?: number): SettingsErrors {
  const errors: SettingsErrors = {};
  // Settings also arrive from commands and files, so the enums are checked as unknown values.
  const raw = settings as unknown as Record<keyof TrainSettings, unknown>;
  const oneOf = (allowed: readonly unknown[], value: unknown) => allowed.includes(value);
  if (!oneOf(PROCEDURES, raw.procedure)) errors.procedure = `Must be one of ${PROCEDURES.join(', ')}.`;
  const architecture = architectureError(raw.architecture);
  if (architecture) errors.architecture = architecture;
  if (!oneOf(WIDTH_SCALES, raw.widthScale)) errors.widthScale = `Must be one of ${WIDTH_SCALES.join(', ')}.`;
  if (!oneOf(['sum', 'mean'], raw.reduction)) errors.reduction = 'Must be sum or mean.';
  if (typeof raw.augment !== 'boolean') errors.augment = 'Must be true or false.';
  if (typeof raw.shuffle !== 'boolean') errors.shuffle = 'Must be true or false.';
  if (typeof raw.keepPath !== 'boolean') errors.keepPath = 'Must be true or false.';
  if (!oneOf(CURVES, raw.curve)) errors.curve = `Must be one of ${CURVES.join(', ')}.`;
  if (typeof raw.datasetId !== 'string' || raw.datasetId === '') errors.datasetId = 'Pick a dataset.';
  for (const key of Object.keys(NUMBER_RULES) as NumericSettingKey[]) {
    const error = numberError(NUMBER_RULES[key], settings[key]);
    if (error) errors[key] = error;
  }
  const modes = Array.isArray(settings.modes) ? settings.modes.length : 0;
  if (settings.procedure === 'simplex' && modes !== 1) {
    errors.modes = `${PROCEDURE_LABELS.simplex} starts from one mode of the model library; ${modes} picked.`;
  } else if (settings.procedure === 'complex' && modes < 2) {
    errors.modes = `${PROCEDURE_LABELS.complex} starts from two or more modes of the model library; ${modes} picked.`;
  } else if (settings.procedure === 'curve' && modes !== 2) {
    errors.modes = `A curve joins two modes of the model library (its fixed ends); ${modes} picked.`;
  }
  if (trainImages !== undefined && !errors.batchSize && !errors.trainLimit) {
    const images = trainImagesUsed(settings, trainImages);
    if (settings.batchSize > images) {
      errors.batchSize = `Larger than the ${images} training images used: no full batch to train on.`;
    }
  }
  return errors;
}

/** validateSettings as a guard: throws BAD_SETTINGS naming every setting that is wrong. */
export function checkSettings(settings: TrainSettings, trainImages?: number): void {
  const errors = Object.entries<string | undefined>(validateSettings(settings, trainImages));
  if (errors.length > 0) {
    const list = errors.map(([key, message]) => `${key}: ${message ?? ''}`).join(' ');
    throw new StudioError('BAD_SETTINGS', `These run settings are not valid: ${list}`);
  }
}
