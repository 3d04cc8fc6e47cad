// The Playground's experiment as plain data: the 2-D data set, the MLP, the notebook's schedule
// (the reference's notebooks/two-spirals.ipynb), and its round trip through the page's URL, so a
// link rebuilds the same data, model and seeds. Shared by the page and the playground worker.

export const PLAYGROUND_DATASETS = ['spirals', 'circles', 'xor', 'blobs', 'moons'] as const;
export type PlaygroundDataset = (typeof PLAYGROUND_DATASETS)[number];

export const PLAYGROUND_ACTIVATIONS = ['relu', 'tanh'] as const;
export type PlaygroundActivation = (typeof PLAYGROUND_ACTIVATIONS)[number];

/** notebook: the added vertices train without the volume term (as the notebook runs); lmbd: λ by its LMBD rule. */
export const VOLUME_MODES = ['notebook', 'lmbd'] as const;
export type VolumeMode = (typeof VOLUME_MODES)[number];

export interface PlaygroundConfig {
  dataset: PlaygroundDataset;
  /** Standard deviation of the Gaussian noise added to each coordinate. */
  noise: number;
  /** Training and test points per class. */
  trainPerClass: number;
  testPerClass: number;
  /** Linear layers (the notebook's BasicSimplex has 8) and their hidden width. */
  depth: number;
  hidden: number;
  activation: PlaygroundActivation;
  /** Vertices of the finished simplex (the base included). */
  vertices: number;
  /** Adam iterations of the base vertex, and of each added vertex. */
  baseIterations: number;
  vertexIterations: number;
  /** Draws per iteration in the vertex stages (the base stage draws once, as the notebook). */
  nSample: number;
  lr: number;
  weightDecay: number;
  volume: VolumeMode;
  /** The notebook's LMBD. */
  lmbd: number;
  /** Points drawn for the ensemble's prediction. */
  ensemblePoints: number;
  dataSeed: number;
  seed: number;
}

/** The notebook's experiment: two spirals of 50 points a class (100 for the test set), noise 1. */
export const NOTEBOOK: PlaygroundConfig = {
  dataset: 'spirals',
  noise: 1,
  trainPerClass: 50,
  testPerClass: 100,
  depth: 8,
  hidden: 25,
  activation: 'relu',
  vertices: 4,
  baseIterations: 200,
  vertexIterations: 100,
  nSample: 5,
  lr: 0.01,
  weightDecay: 1e-4,
  volume: 'notebook',
  lmbd: 3,
  ensemblePoints: 100,
  dataSeed: 920,
  seed: 1,
};

interface Rule {
  min: number;
  max: number;
  integer: boolean;
}

/** What each number may be (the URL and the form are checked against these). */
export const PLAYGROUND_RULES: Record<
  Exclude<keyof PlaygroundConfig, 'dataset' | 'activation' | 'volume'>,
  Rule
> = {
  noise: { min: 0, max: 5, integer: false },
  trainPerClass: { min: 5, max: 500, integer: true },
  testPerClass: { min: 5, max: 1000, integer: true },
  depth: { min: 2, max: 12, integer: true },
  hidden: { min: 2, max: 64, integer: true },
  vertices: { min: 1, max: 6, integer: true },
  baseIterations: { min: 1, max: 5000, integer: true },
  vertexIterations: { min: 1, max: 5000, integer: true },
  nSample: { min: 1, max: 20, integer: true },
  lr: { min: 1e-5, max: 1, integer: false },
  weightDecay: { min: 0, max: 1, integer: false },
  lmbd: { min: 0, max: 100, integer: false },
  ensemblePoints: { min: 1, max: 500, integer: true },
  dataSeed: { min: 0, max: 2 ** 31 - 1, integer: true },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
};

/** The error of each field that breaks its rule (empty: a valid experiment). */
export function playgroundErrors(config: PlaygroundConfig): Partial<Record<keyof PlaygroundConfig, string>> {
  const errors: Partial<Record<keyof PlaygroundConfig, string>> = {};
  for (const [key, rule] of Object.entries(PLAYGROUND_RULES) as [keyof typeof PLAYGROUND_RULES, Rule][]) {
    const v = config[key];
    if (!Number.isFinite(v)) errors[key] = 'Must be a number.';
    else if (rule.integer && !Number.isInteger(v)) errors[key] = 'Must be a whole number.';
    else if (v < rule.min || v > rule.max) errors[key] = `Must be from ${rule.min} to ${rule.max}.`;
  }
  if (!PLAYGROUND_DATASETS.includes(config.dataset))
    errors.dataset = `Must be one of ${PLAYGROUND_DATASETS.join(', ')}.`;
  if (!PLAYGROUND_ACTIVATIONS.includes(config.activation)) errors.activation = 'Must be relu or tanh.';
  if (!VOLUME_MODES.includes(config.volume)) errors.volume = 'Must be notebook or lmbd.';
  return errors;
}

/** The experiment as URL parameters: only what differs from the notebook's. */
export function playgroundQuery(config: PlaygroundConfig): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(NOTEBOOK) as (keyof PlaygroundConfig)[]) {
    if (config[key] !== NOTEBOOK[key]) params.set(key, String(config[key]));
  }
  return params.toString();
}

/**
 * The experiment a URL's parameters describe (the notebook's for what they leave out), and the
 * parameters that were not understood, so a mistyped link says so rather than silently differing.
 */
export function parsePlaygroundQuery(query: string): { config: PlaygroundConfig; ignored: string[] } {
  const config: PlaygroundConfig = { ...NOTEBOOK };
  const ignored: string[] = [];
  new URLSearchParams(query).forEach((value, key) => {
    if (!Object.hasOwn(NOTEBOOK, key)) {
      ignored.push(key);
      return;
    }
    const k = key as keyof PlaygroundConfig;
    const next = {
      ...config,
      [k]: typeof NOTEBOOK[k] === 'number' ? Number(value) : value,
    };
    if (playgroundErrors(next)[k] === undefined) Object.assign(config, next);
    else ignored.push(key);
  });
  return { config, ignored };
}

/** One frame of a training experiment, as the worker sends it to the page. */
export interface PlaygroundFrame {
  /** Iterations done, and in all. */
  iteration: number;
  total: number;
  /** Vertices trained so far (the one training included). */
  vertices: number;
  stage: string;
  done: boolean;
  /** Training loss (mean BCE over the draws) and the simplex's volume, per iteration so far. */
  loss: number[];
  volume: (number | null)[];
  /** Train and test error of each vertex, and of the ensemble. */
  errors: { label: string; train: number; test: number }[];
  /** Probability of class 1 on the boundary grid (rows × cols), for the picked view. */
  grid: { x: number[]; y: number[]; p: number[][] };
  view: string;
  /**
   * The loss over each face (three vertices) from three vertices on: coarse (8×8) every fifth
   * frame while it plays, 15×15 on pause and at the end; null before.
   */
  faces: PlaygroundFace[] | null;
  /** The iteration the faces are of. */
  facesAt: number;
  /** Milliseconds since Play was pressed (training and drawing). */
  elapsedMs: number;
}

export interface PlaygroundFace {
  vertices: [number, number, number];
  u: number[];
  v: number[];
  loss: number[][];
  /** The face's vertices in the plane's coordinates. */
  corners: { u: number; v: number }[];
}

/** What the boundary picture shows: a vertex, the simplex's centre, or the ensemble. */
export type PlaygroundView =
  | { kind: 'vertex'; vertex: number }
  | { kind: 'centre' }
  | { kind: 'ensemble' }
  | { kind: 'point'; coefficients: number[] };

export type PlaygroundRequest =
  | { type: 'reset'; config: PlaygroundConfig }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'step' }
  | { type: 'view'; view: PlaygroundView }
  | { type: 'export' };

export type PlaygroundReply =
  | { type: 'frame'; frame: PlaygroundFrame; data: PlaygroundPoints }
  | { type: 'export'; bytes: Uint8Array<ArrayBuffer>; name: string }
  | { type: 'error'; message: string };

/** The data set's points, for the scatter over the boundary. */
export interface PlaygroundPoints {
  train: { x: number[]; y: number[]; label: number[] };
  test: { x: number[]; y: number[]; label: number[] };
}
