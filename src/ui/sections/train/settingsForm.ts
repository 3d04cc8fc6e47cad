// Runs on the page: the Start-a-run form as data. Fields hold the text the user typed (so "1e-"
// can be on its way to "1e-10"); parseForm turns it into TrainSettings or says, per field, what
// is wrong. Which fields a procedure uses and their help text live here, next to the checks.

import {
  presetSettings,
  MODE_COUNTS,
  RATE_KEYS,
  rateForBatch,
  NUMBER_RULES,
  validateSettings,
  type Curve,
  type NumericSettingKey,
  type Preset,
  type Procedure,
  type TrainSettings,
} from '../../../protocol/settings';
import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import type { RunRecord } from '../../../protocol/commands/train';
import { WIDTH_SCALES, type Architecture, type WidthScale } from '../../../protocol/architecture';
import { parseNumberText } from '../../components/numberText';

export type NumericKey = NumericSettingKey;

export interface NumericField {
  key: NumericKey;
  label: string;
  help: string;
  /** Procedures whose stages read this setting. */
  procedures: readonly Procedure[];
  /** Shown under "Controlled comparison" rather than with the run's settings. */
  control?: true;
}

const ALL: readonly Procedure[] = ['base', 'simplex', 'complex', 'ensemble', 'curve'];
const WITH_BASE_STAGE: readonly Procedure[] = ['base', 'ensemble'];
const WITH_VERTEX_STAGES: readonly Procedure[] = ['simplex', 'complex', 'ensemble'];

/** In the order the form shows them: structure, then schedule, then objective, then budget. */
export const NUMERIC_FIELDS: readonly NumericField[] = [
  {
    key: 'vertices',
    label: 'Vertices to add',
    help: 'Added one at a time around the mode (per component for ESPRO).',
    procedures: ['simplex', 'ensemble'],
  },
  {
    key: 'connectors',
    label: 'Connectors',
    help: 'Vertices joined to every mode; each is trained with the earlier ones frozen.',
    procedures: ['complex'],
  },
  {
    key: 'components',
    label: 'Components',
    help: 'Independent simplexes in the ensemble, each from its own base vertex.',
    procedures: ['ensemble'],
  },
  {
    key: 'numBends',
    label: 'Points of the curve',
    help: 'num_bends as the curve code counts it: the two fixed ends included (3: one free bend, a quadratic Bezier).',
    procedures: ['curve'],
  },
  {
    key: 'curveEpochs',
    label: 'Curve epochs',
    help: 'The curve code trains 600 for VGG16; the rate stays full for half, falls to 1% by 90%, then stays.',
    procedures: ['curve'],
  },
  {
    key: 'curveLr',
    label: 'Curve learning rate',
    help: 'The curve code’s VGG16 rate is 0.015 at batches of 128; left as it is, it follows the batch size.',
    procedures: ['curve'],
  },
  {
    key: 'baseEpochs',
    label: 'Base epochs',
    help: 'Epochs of a base-model stage (the reference trains 300).',
    procedures: WITH_BASE_STAGE,
  },
  {
    key: 'baseLr',
    label: 'Base learning rate',
    help: 'Peak of the cosine schedule in base stages. The reference’s 0.05 is for batches of 128: left as it is, it follows the batch size (0.05 × batch / 128).',
    procedures: WITH_BASE_STAGE,
  },
  {
    key: 'epochsPerVertex',
    label: 'Epochs per vertex',
    help: 'Epochs of each added vertex or connector (10 for CIFAR-10, 20 for CIFAR-100).',
    procedures: WITH_VERTEX_STAGES,
  },
  {
    key: 'simplexLr',
    label: 'Vertex learning rate',
    help: 'Peak of the cosine schedule in vertex and connector stages (the reference’s, for batches of 128, scaled to the batch size until edited).',
    procedures: WITH_VERTEX_STAGES,
  },
  {
    key: 'momentum',
    label: 'Momentum',
    help: 'SGD momentum.',
    procedures: ALL,
  },
  {
    key: 'weightDecay',
    label: 'Weight decay',
    help: 'L2 penalty added to the gradient (SGD weight_decay).',
    procedures: ALL,
  },
  {
    key: 'nSample',
    label: 'Draws per batch (n_sample)',
    help: 'Points of the simplex sampled for each batch in vertex stages.',
    procedures: WITH_VERTEX_STAGES,
  },
  {
    key: 'lmbd',
    label: 'Volume weight (LMBD)',
    help: 'λ per vertex count is max(LMBD / log(V_init + 1e-4), 1e-8); 0 turns the volume term off.',
    procedures: WITH_VERTEX_STAGES,
  },
  {
    key: 'batchSize',
    label: 'Batch size',
    help: 'Images per step; the last partial batch of an epoch is dropped.',
    procedures: ALL,
  },
  {
    key: 'seed',
    label: 'Seed',
    help: 'Seeds initialisation, shuffling, augmentation, dropout and sampling: same seed, same run.',
    procedures: ALL,
  },
  {
    key: 'trainLimit',
    label: 'Training images',
    help: 'Use only the first N training images (0 = all): for quick trials.',
    procedures: ALL,
  },
  {
    key: 'testLimit',
    label: 'Test images',
    help: 'Test images evaluated after each epoch (0 = all).',
    procedures: ALL,
  },
  {
    key: 'readEvery',
    label: 'Read metrics every',
    help: 'Steps between reads of loss and volume from the GPU; fewer reads train faster.',
    procedures: ALL,
  },
  {
    key: 'dropout',
    label: 'Dropout rate',
    help: 'Of the classifier’s two hidden layers (the reference’s 0.5); 0 turns dropout off.',
    procedures: ALL,
    control: true,
  },
  {
    key: 'stopAfter',
    label: 'Stop after steps',
    help: 'End the run after this many steps, mid-epoch if need be (0 = run every epoch).',
    procedures: ALL,
    control: true,
  },
];

export const REDUCTION_OPTIONS: readonly { value: TrainSettings['reduction']; label: string }[] = [
  { value: 'sum', label: 'sum over draws (reference)' },
  { value: 'mean', label: 'mean over draws' },
];

export const CURVE_OPTIONS: readonly { value: Curve; label: string }[] = [
  { value: 'bezier', label: 'Bezier' },
  { value: 'polychain', label: 'PolyChain' },
];

export const WIDTH_LABELS: Record<WidthScale, string> = { 1: '1', 0.5: '1/2', 0.25: '1/4', 0.125: '1/8' };

export function isWidthScale(value: number): value is WidthScale {
  return (WIDTH_SCALES as readonly number[]).includes(value);
}

/** Fields the defaults may overwrite until the user edits them. */
export type DefaultedKey = NumericKey | 'architecture' | 'widthScale' | 'reduction';

export interface FormState {
  procedure: Procedure;
  datasetId: string;
  architecture: Architecture;
  widthScale: WidthScale;
  reduction: TrainSettings['reduction'];
  curve: Curve;
  augment: boolean;
  shuffle: boolean;
  keepPath: boolean;
  modes: string[];
  text: Record<NumericKey, string>;
  /** Empty: the name is made up from the settings. */
  name: string;
  touched: ReadonlySet<DefaultedKey>;
  /** Whose defaults the untouched fields hold. */
  preset: Preset;
}

export function usesField(field: NumericField, procedure: Procedure): boolean {
  return field.procedures.includes(procedure);
}

export function initialForm(
  procedure: Procedure,
  dataset: DatasetInfo | undefined,
  preset: Preset = 'reference',
): FormState {
  const defaults = presetSettings(preset, procedure, dataset?.id, dataset?.classNames.length);
  return {
    procedure,
    datasetId: defaults.datasetId,
    architecture: defaults.architecture,
    widthScale: defaults.widthScale,
    reduction: defaults.reduction,
    curve: defaults.curve,
    augment: defaults.augment,
    shuffle: defaults.shuffle,
    keepPath: defaults.keepPath,
    modes: [],
    text: textOf(defaults),
    name: '',
    touched: new Set(),
    preset,
  };
}

/** One click between presets: every field takes the preset's value; procedure, dataset, modes,
 *  name and the controlled-comparison switches stay. */
export function pickPreset(form: FormState, preset: Preset, dataset: DatasetInfo | undefined): FormState {
  const fresh = initialForm(form.procedure, dataset, preset);
  return {
    ...fresh,
    datasetId: form.datasetId,
    modes: form.modes,
    name: form.name,
    augment: form.augment,
    shuffle: form.shuffle,
    keepPath: form.keepPath,
  };
}

/** A new procedure or dataset: its defaults replace every field the user has not edited. */
export function refillDefaults(
  form: FormState,
  procedure: Procedure,
  dataset: DatasetInfo | undefined,
  datasetId: string,
): FormState {
  const defaults = presetSettings(form.preset, procedure, datasetId, dataset?.classNames.length);
  const keep = (key: DefaultedKey) => form.touched.has(key);
  const defaultText = textOf(defaults);
  const text = { ...form.text };
  for (const field of NUMERIC_FIELDS) if (!keep(field.key)) text[field.key] = defaultText[field.key];
  return followBatch({
    ...form,
    procedure,
    datasetId,
    architecture: keep('architecture') ? form.architecture : defaults.architecture,
    widthScale: keep('widthScale') ? form.widthScale : defaults.widthScale,
    reduction: keep('reduction') ? form.reduction : defaults.reduction,
    // A simplex starts from one mode, a curve from two: keep the first of the picks.
    modes: form.modes.slice(0, Math.min(form.modes.length, MODE_COUNTS[procedure].max)),
    text,
  });
}

/**
 * The untouched learning-rate fields at the form's batch size: the reference's rates (for batches
 * of 128) scaled linearly, so a smaller batch gets a smaller rate and learns instead of diverging.
 */
export function followBatch(form: FormState): FormState {
  const { value: batch, error } = parseNumberText(form.text.batchSize, true);
  if (error || batch < 1) return form;
  const reference = presetSettings('reference', form.procedure);
  const text = { ...form.text };
  for (const key of RATE_KEYS) {
    if (!form.touched.has(key)) text[key] = String(rateForBatch(reference[key], batch));
  }
  return { ...form, text };
}

function textOf(settings: TrainSettings): Record<NumericKey, string> {
  const text = {} as Record<NumericKey, string>;
  for (const field of NUMERIC_FIELDS) text[field.key] = String(settings[field.key]);
  return text;
}

/** Why a library model cannot be a mode of this run, or null when it can. */
export function modeIncompatibility(
  model: ModelSummary,
  form: Pick<FormState, 'architecture' | 'widthScale'>,
  numClasses: number | undefined,
): string | null {
  if ((model.kind !== 'base' && model.kind !== 'imported') || model.vertexCount !== 1) {
    return `a ${model.kind} with ${model.vertexCount} vertices, not a single mode`;
  }
  if (model.spec.architecture !== form.architecture)
    return `${model.spec.architecture}, run is ${form.architecture}`;
  if (model.spec.widthScale !== form.widthScale) {
    return `width ${WIDTH_LABELS[model.spec.widthScale]}, run is ${WIDTH_LABELS[form.widthScale]}`;
  }
  if (numClasses !== undefined && model.spec.numClasses !== numClasses) {
    return `${model.spec.numClasses} classes, dataset has ${numClasses}`;
  }
  return null;
}

export type FormErrors = Partial<Record<NumericKey | 'modes' | 'datasetId' | 'name', string>>;

export interface ParsedForm {
  settings: TrainSettings | null;
  errors: FormErrors;
}

export function parseForm(
  form: FormState,
  datasets: readonly DatasetInfo[],
  models: readonly ModelSummary[] | null,
): ParsedForm {
  const errors: FormErrors = {};
  const dataset = datasets.find((d) => d.id === form.datasetId);
  if (!dataset) errors.datasetId = 'Pick a stored dataset (import one in the Data section).';

  // Fields the procedure does not show keep their defaults, so a stale entry cannot sneak in.
  const defaults = presetSettings(form.preset, form.procedure, form.datasetId, dataset?.classNames.length);
  const values = {} as Record<NumericKey, number>;
  for (const field of NUMERIC_FIELDS) {
    if (!usesField(field, form.procedure)) {
      values[field.key] = defaults[field.key];
      continue;
    }
    const { value, error } = parseNumberText(form.text[field.key], NUMBER_RULES[field.key].integer);
    values[field.key] = value;
    if (error) errors[field.key] = error;
  }
  const settings: TrainSettings = {
    ...defaults,
    ...values,
    procedure: form.procedure,
    datasetId: form.datasetId,
    architecture: form.architecture,
    widthScale: form.widthScale,
    reduction: form.reduction,
    curve: form.curve,
    augment: form.augment,
    shuffle: form.shuffle,
    keepPath: form.keepPath,
    modes: MODE_COUNTS[form.procedure].max > 0 ? form.modes : [],
  };
  // The range checks are the protocol's, the same the worker and the CLI apply.
  const checks = validateSettings(settings, dataset?.splits.train.count);
  for (const field of NUMERIC_FIELDS) {
    const error = checks[field.key];
    if (error && !errors[field.key] && usesField(field, form.procedure)) errors[field.key] = error;
  }

  const modesError = checks.modes ?? checkModes(form, dataset, models);
  if (modesError) errors.modes = modesError;

  if (Object.keys(errors).length > 0) return { settings: null, errors };
  return { settings, errors };
}

function checkModes(
  form: FormState,
  dataset: DatasetInfo | undefined,
  models: readonly ModelSummary[] | null,
): string | null {
  if (MODE_COUNTS[form.procedure].max === 0) return null;
  if (!models) return 'The model library is still loading.';
  for (const id of form.modes) {
    const model = models.find((m) => m.id === id);
    if (!model) return 'A picked mode is no longer in the library.';
    const reason = modeIncompatibility(model, form, dataset?.classNames.length);
    if (reason) return `${model.name} cannot be used: ${reason}.`;
  }
  return null;
}

/** The name a run gets when the user leaves it empty. */
export function suggestedName(form: FormState): string {
  const what = { base: 'base', simplex: 'simplex', complex: 'complex', ensemble: 'espro', curve: 'curve' }[
    form.procedure
  ];
  return `${what} ${form.architecture}×${WIDTH_LABELS[form.widthScale]} on ${form.datasetId}`;
}

/** One procedure's edits: the fields the user changed from their defaults, with their values. */
export interface ProcedureEdits {
  text: Partial<Record<NumericKey, string>>;
  architecture?: Architecture;
  widthScale?: WidthScale;
  reduction?: TrainSettings['reduction'];
  augment: boolean;
  shuffle: boolean;
  keepPath: boolean;
}

/** What the form keeps across procedure changes and reloads. */
export interface RememberedForm {
  procedure: Procedure;
  datasetId: string;
  preset: Preset;
  edits: Partial<Record<Procedure, ProcedureEdits>>;
}

/** The form's edits recorded under its procedure (the other procedures' edits kept). */
export function rememberForm(previous: RememberedForm | null, form: FormState): RememberedForm {
  const text: Partial<Record<NumericKey, string>> = {};
  for (const field of NUMERIC_FIELDS) if (form.touched.has(field.key)) text[field.key] = form.text[field.key];
  const edits: ProcedureEdits = {
    text,
    ...(form.touched.has('architecture') ? { architecture: form.architecture } : {}),
    ...(form.touched.has('widthScale') ? { widthScale: form.widthScale } : {}),
    ...(form.touched.has('reduction') ? { reduction: form.reduction } : {}),
    augment: form.augment,
    shuffle: form.shuffle,
    keepPath: form.keepPath,
  };
  return {
    procedure: form.procedure,
    datasetId: form.datasetId,
    preset: form.preset,
    edits: { ...previous?.edits, [form.procedure]: edits },
  };
}

/** `form` with `procedure`'s remembered edits laid over it (they count as the user's edits). */
export function applyEdits(form: FormState, edits: ProcedureEdits | undefined): FormState {
  if (!edits) return form;
  const touched = new Set(form.touched);
  const text = { ...form.text };
  for (const field of NUMERIC_FIELDS) {
    const value = edits.text[field.key];
    if (typeof value === 'string') {
      text[field.key] = value;
      touched.add(field.key);
    }
  }
  const next: FormState = {
    ...form,
    text,
    augment: edits.augment,
    shuffle: edits.shuffle,
    keepPath: edits.keepPath,
    touched,
  };
  if (edits.architecture) {
    next.architecture = edits.architecture;
    touched.add('architecture');
  }
  if (edits.widthScale !== undefined && isWidthScale(edits.widthScale)) {
    next.widthScale = edits.widthScale;
    touched.add('widthScale');
  }
  if (edits.reduction) {
    next.reduction = edits.reduction;
    touched.add('reduction');
  }
  return next;
}

/** The form a page opens with: the last procedure, dataset and preset (else `preset`), and their edits. */
export function restoreForm(
  remembered: RememberedForm | null,
  datasets: readonly DatasetInfo[],
  preset: Preset = 'reference',
): FormState {
  const dataset = datasets.find((d) => d.id === remembered?.datasetId) ?? datasets[0];
  const procedure = remembered?.procedure ?? 'base';
  return applyEdits(
    initialForm(procedure, dataset, remembered?.preset ?? preset),
    remembered?.edits[procedure],
  );
}

/**
 * The form matched to a library model so it can be this run's mode: its architecture and width,
 * and a stored dataset with its class count (the one it was trained on where stored), with the
 * model picked. Null when no form can take it (not a single mode, or no dataset with its classes).
 */
export function matchMode(
  form: FormState,
  model: ModelSummary,
  datasets: readonly DatasetInfo[],
): FormState | null {
  if ((model.kind !== 'base' && model.kind !== 'imported') || model.vertexCount !== 1) return null;
  const classes = model.spec.numClasses;
  const fits = (d: DatasetInfo | undefined) => d !== undefined && d.classNames.length === classes;
  const current = datasets.find((d) => d.id === form.datasetId);
  const own = datasets.find((d) => d.id === model.dataset?.id);
  const dataset = fits(own) ? own : fits(current) ? current : datasets.find(fits);
  if (!dataset) return null;
  const base =
    dataset.id === form.datasetId ? form : refillDefaults(form, form.procedure, dataset, dataset.id);
  const matched: FormState = {
    ...base,
    architecture: model.spec.architecture,
    widthScale: model.spec.widthScale,
    touched: new Set(base.touched).add('architecture').add('widthScale'),
  };
  // Modes picked before that no longer fit are dropped; a simplex has just this one.
  const max = MODE_COUNTS[form.procedure].max;
  const keep = base.modes.filter((id) => id !== model.id).slice(Math.max(0, base.modes.length - max + 1));
  return { ...matched, modes: [...keep, model.id].slice(-max) };
}

/** A training rate measured on this machine, and what measured it. */
export interface MeasuredRate {
  imagesPerSecond: number;
  source: string;
}

/**
 * The rate to estimate a run of `settings` with: the latest run here of the same architecture,
 * width and batch size that reported one, else the start-up warm-up where it trained the same
 * model (VGG11 at width 1/8), else null (nothing of this size has trained on this machine).
 */
export function measuredRate(
  settings: Pick<TrainSettings, 'architecture' | 'widthScale' | 'batchSize'>,
  runs: readonly RunRecord[],
  warmUp: number | undefined,
): MeasuredRate | null {
  const same = runs
    .filter(
      (r) =>
        r.settings.architecture === settings.architecture &&
        r.settings.widthScale === settings.widthScale &&
        r.settings.batchSize === settings.batchSize &&
        (r.progress?.imagesPerSecond ?? 0) > 0,
    )
    .sort((a, b) => b.updatedAt - a.updatedAt)[0];
  if (same?.progress) return { imagesPerSecond: same.progress.imagesPerSecond, source: `run “${same.name}”` };
  if (
    warmUp !== undefined &&
    warmUp > 0 &&
    settings.architecture === 'vgg11' &&
    settings.widthScale === 0.125
  ) {
    return { imagesPerSecond: warmUp, source: 'the start-up warm-up' };
  }
  return null;
}

/** Seconds a run takes at `rate`: its training images, and its test images at a third of the cost. */
export function estimatedSeconds(work: { train: number; test: number }, rate: MeasuredRate): number {
  return (work.train + work.test / 3) / rate.imagesPerSecond;
}
