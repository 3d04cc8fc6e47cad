// Runs on the page: the Landscapes card's form as data. Text as typed, parsed into the protocol's
// LandscapeSettings with the protocol's own checks; the models a picture can be drawn from listed
// as options (every vertex of every stored model, every run that kept its path).

import type { ModelSummary } from '../../../../protocol/commands/models';
import type { PathSummary, VertexRef } from '../../../../protocol/commands/landscapes';
import type { DatasetSplit } from '../../../../protocol/commands/data';
import {
  LANDSCAPE_DEFAULTS,
  landscapeSettingsError,
  type DirectionNorm,
  type LandscapeKind,
  type LandscapeSettings,
} from '../../../../protocol/landscape';
import { parseNumberText } from '../../../components/numberText';
import type { SelectOption } from '../../../components/SelectField';

export type LandscapeNumberKey = 'points' | 'from' | 'to' | 'seed' | 'margin' | 'images' | 'bnBatches';

export interface LandscapeForm {
  kind: LandscapeKind;
  /** "modelId#vertex" of the origin (random) or the first end (interpolation). */
  a: string | null;
  b: string | null;
  runId: string | null;
  /** "modelId#0" of the curve to profile. */
  curveId: string | null;
  dims: 1 | 2;
  norm: DirectionNorm;
  ignoreBiasBn: boolean;
  datasetId: string | null;
  splits: DatasetSplit[];
  bnStatistics: 'stored' | 'recomputed';
  text: Record<LandscapeNumberKey, string>;
}

function textOf(kind: LandscapeKind): Record<LandscapeNumberKey, string> {
  const d = LANDSCAPE_DEFAULTS[kind];
  return {
    points: String(d.points),
    from: String(d.from),
    to: String(d.to),
    seed: String(d.direction.seed),
    margin: String(d.margin),
    images: String(d.images),
    bnBatches: String(d.batchNorm.batches),
  };
}

export function initialLandscapeForm(kind: LandscapeKind = 'interpolation'): LandscapeForm {
  const d = LANDSCAPE_DEFAULTS[kind];
  return {
    kind,
    a: null,
    b: null,
    runId: null,
    curveId: null,
    dims: d.dims,
    norm: d.direction.norm,
    ignoreBiasBn: d.direction.ignoreBiasBn,
    datasetId: null,
    splits: d.splits,
    bnStatistics: d.batchNorm.statistics,
    text: textOf(kind),
  };
}

/** A new kind: its defaults, the chosen models and dataset kept. */
export function withKind(form: LandscapeForm, kind: LandscapeKind): LandscapeForm {
  return {
    ...initialLandscapeForm(kind),
    a: form.a,
    b: form.b,
    runId: form.runId,
    curveId: form.curveId,
    datasetId: form.datasetId,
  };
}

export const vertexKey = (modelId: string, vertex: number): string => `${modelId}#${vertex}`;

/** Every vertex of every model, as "name · vertex i" where a model has several. */
export function vertexOptions(models: readonly ModelSummary[]): SelectOption<string>[] {
  return models.flatMap((m) =>
    Array.from({ length: m.vertexCount }, (_, v) => ({
      value: vertexKey(m.id, v),
      label: m.vertexCount > 1 ? `${m.name} · vertex ${v}` : m.name,
    })),
  );
}

/** The library's curves (train --procedure curve, or a curve file the studio wrote). */
export function curveOptions(models: readonly ModelSummary[]): SelectOption<string>[] {
  return models.filter((m) => m.curve).map((m) => ({ value: vertexKey(m.id, 0), label: m.name }));
}

export function pathOptions(paths: readonly PathSummary[]): SelectOption<string>[] {
  return paths.map((p) => ({ value: p.runId, label: `${p.name} (${p.epochs.length} epochs kept)` }));
}

function vertexRef(key: string | null): VertexRef | null {
  if (key === null) return null;
  const at = key.lastIndexOf('#');
  return { modelId: key.slice(0, at), vertex: Number(key.slice(at + 1)) };
}

export interface ParsedLandscapeForm {
  /** Null while a field is wrong or a model is missing. */
  request: { models: VertexRef[]; runId?: string; settings: LandscapeSettings } | null;
  errors: Partial<Record<LandscapeNumberKey | 'settings' | 'models', string>>;
}

export function parseLandscapeForm(
  form: LandscapeForm,
  datasetId: string,
  batchNorm: boolean,
): ParsedLandscapeForm {
  const errors: ParsedLandscapeForm['errors'] = {};
  const value = (key: LandscapeNumberKey, integer: boolean): number => {
    const parsed = parseNumberText(form.text[key], integer);
    if (parsed.error) errors[key] = parsed.error;
    return parsed.value;
  };
  const d = LANDSCAPE_DEFAULTS[form.kind];
  const settings: LandscapeSettings = {
    kind: form.kind,
    dims: form.kind === 'random' ? form.dims : d.dims,
    points: value('points', true),
    from: form.kind === 'path' || form.kind === 'curve' ? d.from : value('from', false),
    to: form.kind === 'path' || form.kind === 'curve' ? d.to : value('to', false),
    direction: {
      seed: form.kind === 'random' ? value('seed', true) : d.direction.seed,
      norm: form.norm,
      ignoreBiasBn: form.ignoreBiasBn,
    },
    margin: form.kind === 'path' ? value('margin', false) : d.margin,
    datasetId,
    splits: form.splits,
    images: value('images', true),
    batchNorm: {
      statistics:
        batchNorm && form.kind !== 'interpolation' && form.kind !== 'curve'
          ? form.bnStatistics
          : 'recomputed',
      batches: batchNorm ? value('bnBatches', true) : d.batchNorm.batches,
    },
  };
  if (Object.keys(errors).length > 0) return { request: null, errors };
  const problem = landscapeSettingsError(settings);
  if (problem) return { request: null, errors: { settings: problem } };
  if (form.kind === 'path') {
    if (form.runId === null) return { request: null, errors: { models: 'Pick a run that kept its path.' } };
    return { request: { models: [], runId: form.runId, settings }, errors };
  }
  const refs = (
    form.kind === 'interpolation' ? [form.a, form.b] : form.kind === 'curve' ? [form.curveId] : [form.a]
  ).map(vertexRef);
  if (refs.some((r) => r === null)) {
    const what = { interpolation: 'Pick both models.', curve: 'Pick a curve.', random: 'Pick a model.' };
    return { request: null, errors: { models: what[form.kind] } };
  }
  if (form.kind === 'interpolation' && form.a === form.b) {
    return { request: null, errors: { models: 'Pick two different models (or vertices).' } };
  }
  return { request: { models: refs as VertexRef[], settings }, errors };
}
