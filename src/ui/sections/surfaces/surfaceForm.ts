// Runs on the page: the Surfaces form as data. Which faces and edges a choice means, the datasets
// offered, and the settings as typed (numbers as text) turned into SurfaceSettings or, per field,
// what is wrong; the worker checks them again (BAD_SETTINGS). Pure, so it is unit-tested.

import type { DatasetId, DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import {
  MAX_GRID_SIZE,
  MIN_GRID_SIZE,
  SURFACE_DEFAULTS,
  edgesOf,
  facesOf,
  type FaceIndices,
  type SurfaceMetric,
  type SurfaceSettings,
} from '../../../protocol/commands/surfaces';
import { numberError, type NumberRule } from '../../../protocol/settings';
import { MAX_RECOMPUTE_BATCHES, RECOMPUTED, type BatchNormChoice } from '../../../protocol/batchNorm';
import { hasBatchNorm } from '../models/describe';
import type { SelectOption } from '../../components/SelectField';
import { parseNumberText } from '../../components/numberText';

/** The face choice that means every face of the complex. */
export const ALL_FACES = 'all';

export type SurfaceNumberKey = 'gridSize' | 'margin' | 'images' | 'bnBatches';

export interface SurfaceForm {
  /** Null: the first model with a face (or the first with an edge). */
  modelId: string | null;
  /** A face as "0,1,2", ALL_FACES, or null for the first option. */
  face: string | null;
  text: Record<SurfaceNumberKey, string>;
  /** Null: the model's own dataset. */
  datasetId: DatasetId | null;
  split: SurfaceSettings['split'];
  metric: SurfaceMetric;
  /** A batch-norm network's statistics at each point (the field shows for those only). */
  bnStatistics: BatchNormChoice['statistics'];
}

export const INITIAL_SURFACE_FORM: SurfaceForm = {
  modelId: null,
  face: null,
  text: {
    gridSize: String(SURFACE_DEFAULTS.gridSize),
    margin: String(SURFACE_DEFAULTS.margin),
    images: String(SURFACE_DEFAULTS.images),
    bnBatches: String(RECOMPUTED.batches),
  },
  datasetId: null,
  split: SURFACE_DEFAULTS.split,
  metric: SURFACE_DEFAULTS.metric,
  bnStatistics: RECOMPUTED.statistics,
};

const RULES: Record<SurfaceNumberKey, NumberRule> = {
  gridSize: { integer: true, min: MIN_GRID_SIZE, max: MAX_GRID_SIZE },
  margin: { integer: false, min: 0, max: 5 },
  images: { integer: true, min: 1 },
  bnBatches: { integer: true, min: 1, max: MAX_RECOMPUTE_BATCHES },
};

/** Models with an edge at least; the picked one, else the first with a face, else the first. */
export function pickModel(
  models: readonly ModelSummary[],
  modelId: string | null,
): { eligible: ModelSummary[]; model: ModelSummary | undefined } {
  const eligible = models.filter((m) => m.vertexCount >= 2);
  const model =
    eligible.find((m) => m.id === modelId) ?? eligible.find((m) => m.vertexCount >= 3) ?? eligible[0];
  return { eligible, model };
}

/** The complex's faces first, then every other triple of vertices. */
export function faceOptions(model: ModelSummary): SelectOption<string>[] {
  if (model.vertexCount < 3) return [];
  if (model.curve && model.vertexCount === 3) {
    // The curve code's plane.py picture: the plane through both ends and the bend, u from end to end.
    return [{ value: '0,2,1', label: 'The curve’s plane (v0 → v2, bend v1)' }];
  }
  const inComplex = facesOf(model.complex);
  const known = new Set(inComplex.map((f) => f.join()));
  const others = facesOf([Array.from({ length: model.vertexCount }, (_, i) => i)]).filter(
    (f) => !known.has(f.join()),
  );
  const label = (f: FaceIndices) => `v${f[0]}, v${f[1]}, v${f[2]}`;
  return [
    ...(inComplex.length > 1 ? [{ value: ALL_FACES, label: `All ${inComplex.length} faces` }] : []),
    ...inComplex.map((f) => ({ value: f.join(), label: label(f) })),
    ...others.map((f) => ({ value: f.join(), label: `${label(f)} (not a face of the complex)` })),
  ];
}

/** The face choice in force: the picked one while the model offers it, else the first option. */
export function faceChoice(options: readonly SelectOption<string>[], face: string | null): string {
  return options.some((o) => o.value === face) ? (face ?? '') : (options[0]?.value ?? '');
}

function parseFace(value: string): FaceIndices {
  const [a, b, c] = value.split(',').map(Number);
  return [a ?? 0, b ?? 1, c ?? 2];
}

/** The faces a choice computes, one after another. */
export function selectedFaces(model: ModelSummary, choice: string): FaceIndices[] {
  if (choice === ALL_FACES) return facesOf(model.complex);
  return choice ? [parseFace(choice)] : [];
}

/** The edges whose profiles go with the choice (a two-vertex model has only its one). */
export function selectedEdges(model: ModelSummary, choice: string): [number, number][] {
  if (model.vertexCount === 2) return [[0, 1]];
  return edgesOf(choice === ALL_FACES ? model.complex : selectedFaces(model, choice));
}

export function surfaceDataset(form: SurfaceForm, model: ModelSummary | undefined): DatasetId {
  return form.datasetId ?? model?.dataset?.id ?? SURFACE_DEFAULTS.datasetId;
}

/** The stored datasets; a model's dataset that is not (or not yet) listed stays selectable by id. */
export function datasetOptions(
  datasets: readonly DatasetInfo[],
  datasetId: DatasetId,
  model: ModelSummary | undefined,
): SelectOption<DatasetId>[] {
  const stored = datasets.map((d) => ({ value: d.id, label: d.name }));
  return stored.some((d) => d.value === datasetId)
    ? stored
    : [...stored, { value: datasetId, label: model?.dataset?.name ?? datasetId }];
}

export interface ParsedSurfaceForm {
  /** Null while a field is wrong. */
  settings: SurfaceSettings | null;
  errors: Partial<Record<SurfaceNumberKey, string>>;
}

export function parseSurfaceForm(form: SurfaceForm, model: ModelSummary | undefined): ParsedSurfaceForm {
  const errors: ParsedSurfaceForm['errors'] = {};
  const read = (key: SurfaceNumberKey): number => {
    const { value, error } = parseNumberText(form.text[key], RULES[key].integer);
    const wrong = error ?? numberError(RULES[key], value);
    if (wrong) errors[key] = wrong;
    return value;
  };
  const settings: SurfaceSettings = {
    gridSize: read('gridSize'),
    margin: read('margin'),
    images: read('images'),
    datasetId: surfaceDataset(form, model),
    split: form.split,
    metric: form.metric,
  };
  // Only a batch-norm network's surface depends on (and is keyed by) its statistics.
  if (hasBatchNorm(model)) {
    settings.batchNorm =
      form.bnStatistics === 'stored'
        ? { statistics: 'stored', batches: RECOMPUTED.batches }
        : { statistics: 'recomputed', batches: read('bnBatches') };
  }
  return { settings: Object.keys(errors).length > 0 ? null : settings, errors };
}

/** The form with a request's (or a preset's) settings laid over it. */
export function withSettings(form: SurfaceForm, settings: Partial<SurfaceSettings>): SurfaceForm {
  const text = { ...form.text };
  for (const key of ['gridSize', 'margin', 'images'] as const) {
    const value = settings[key];
    if (value !== undefined) text[key] = String(value);
  }
  if (settings.batchNorm) text.bnBatches = String(settings.batchNorm.batches);
  return {
    ...form,
    text,
    datasetId: settings.datasetId ?? form.datasetId,
    split: settings.split ?? form.split,
    metric: settings.metric ?? form.metric,
    bnStatistics: settings.batchNorm?.statistics ?? form.bnStatistics,
  };
}
