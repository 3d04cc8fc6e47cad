// Runs in the worker (and in Node for tests); no DOM. What a model's export consists of: the
// file names, the metadata written into each file (safetensors, or PyTorch's .pt beside it), and
// the manifest that lists them.
// Names say what a file is (architecture, width, dataset, model, vertex or simplex), so a folder
// of downloads stays readable, and are sanitised so every OS accepts them.

import type { ModelSummary } from '../../protocol/commands/models';
import { weightsFileParts, type WeightsFormat } from '../../engine/formats/weightsFile';
import {
  encodeMetadata,
  METADATA_VERSION,
  type ModelMetadata,
  type SimplexMetadata,
} from '../../engine/formats/modelMetadata';
import { StudioError } from '../../protocol/errors';
import { summarise, type ModelRecord } from '../storage/models';

/** Letters, digits, dot and dash; runs of anything else become one dash. Never empty or hidden. */
export function sanitise(text: string, maxLength = 48): string {
  const ascii = text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  const clean = ascii
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .slice(0, maxLength)
    .replace(/^[.-]+|[.-]+$/g, '');
  return clean.length > 0 ? clean : 'model';
}

/** `vgg16-w0.125_cifar-10_my-run`: the shared stem of every file of one model. */
export function exportStem(model: ModelSummary): string {
  const parts = [`${model.spec.architecture}-w${model.spec.widthScale}`];
  if (model.dataset) parts.push(sanitise(model.dataset.name, 32));
  parts.push(sanitise(model.name));
  return parts.join('_');
}

const EXTENSION: Record<WeightsFormat, string> = { safetensors: 'safetensors', pt: 'pt' };

export function vertexFileName(
  model: ModelSummary,
  index: number,
  format: WeightsFormat = 'safetensors',
): string {
  return `${exportStem(model)}_vertex${index}.${EXTENSION[format]}`;
}

/** `…_simplex-3v` for one simplex, `…_complex-5v-3s` for a complex of several, `…_bezier-3p` for a curve. */
export function simplexFileName(model: ModelSummary, format: WeightsFormat = 'safetensors'): string {
  const what = model.curve
    ? `${model.curve}-${model.vertexCount}p`
    : model.complex.length === 1
      ? `simplex-${model.vertexCount}v`
      : `complex-${model.vertexCount}v-${model.complex.length}s`;
  return `${exportStem(model)}_${what}.${EXTENSION[format]}`;
}

export function manifestFileName(model: ModelSummary): string {
  return `${exportStem(model)}_manifest.json`;
}

/** The run or file a model came from, as the `run` metadata key names it. */
function runName(model: ModelSummary): string | undefined {
  return model.source.kind === 'run' ? model.source.runName : (model.source.run ?? undefined);
}

/** The studio metadata of the whole model (see modelMetadata.ts for the keys). */
export function simplexMetadata(model: ModelSummary): SimplexMetadata {
  const meta: SimplexMetadata = {
    complex: model.complex,
    frozen: model.frozen.flatMap((f, i) => (f ? [i] : [])),
    ...(model.curve ? { curve: model.curve } : {}),
  };
  return { ...meta, ...commonMetadata(model) };
}

export function vertexMetadata(model: ModelSummary, index: number): ModelMetadata {
  return { ...commonMetadata(model), vertex: index };
}

function commonMetadata(model: ModelSummary): ModelMetadata {
  const meta: ModelMetadata = {};
  if (model.dataset) meta.dataset = model.dataset.name;
  if (model.normalisation) meta.normalisation = model.normalisation;
  if (model.training !== null) meta.training = model.training;
  if (model.metrics) meta.metrics = model.metrics;
  const run = runName(model);
  if (run !== undefined) meta.run = run;
  return meta;
}

/** Vertex `index` as the base network's state_dict (with the model's shared statistics), as parts for a Blob. */
export function vertexParts(
  model: ModelRecord,
  index: number,
  format: WeightsFormat = 'safetensors',
): Uint8Array[] {
  const vertex = model.vertices[index];
  if (!vertex) {
    throw new StudioError(
      'NOT_FOUND',
      `"${model.name}" has ${model.vertices.length} vertices; there is no vertex ${index}.`,
    );
  }
  return weightsFileParts(
    format,
    'base',
    model.spec,
    [vertex],
    model.statistics,
    vertexMetadata(summarise(model), index),
  );
}

/** Every vertex as a PyTorch `SimplexNet` state_dict, as parts for a Blob. */
export function simplexParts(model: ModelRecord, format: WeightsFormat = 'safetensors'): Uint8Array[] {
  return weightsFileParts(
    format,
    'simplex',
    model.spec,
    model.vertices,
    model.statistics,
    simplexMetadata(summarise(model)),
  );
}

/**
 * The manifest: what the model is, how it was trained and how it scored, the `__metadata__` each
 * file carries (decoded from its JSON strings), and the file names, so a folder of downloads
 * explains itself.
 */
export function manifest(model: ModelSummary): Record<string, unknown> {
  const decode = (raw: Record<string, string>) =>
    Object.fromEntries(
      Object.entries(raw).map(([k, v]) => [k, k === 'format' ? v : (JSON.parse(v) as unknown)]),
    );
  return {
    format: 'simplex-studio-export',
    version: METADATA_VERSION,
    model: {
      id: model.id,
      name: model.name,
      kind: model.kind,
      source: model.source,
      created: new Date(model.createdAt).toISOString(),
    },
    architecture: model.spec.architecture,
    width_scale: model.spec.widthScale,
    classes: model.spec.numClasses,
    parameters_per_vertex: model.paramCount,
    vertices: model.vertexCount,
    complex: model.complex,
    frozen: model.frozen,
    roles: model.roles,
    dataset: model.dataset,
    normalisation: model.normalisation,
    training: model.training,
    metrics: model.metrics,
    files: {
      simplex: {
        name: simplexFileName(model),
        state_dict: 'SimplexNet',
        metadata: decode(encodeMetadata(model.spec, simplexMetadata(model), model.vertexCount)),
      },
      vertices: model.roles.map((role, i) => ({
        index: i,
        role,
        name: vertexFileName(model, i),
        state_dict: 'VGG',
        metadata: decode(encodeMetadata(model.spec, vertexMetadata(model, i), 1)),
      })),
    },
  };
}
