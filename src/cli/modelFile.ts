// Loading a weights file for a command: the bytes from disk, parsed and checked by the engine's
// weights reader (safetensors or PyTorch's .pt, either layout, studio metadata optional). Runs in Node.

import path from 'node:path';
import { checkModelFileSize } from '../engine/formats/stateDict';
import { parseWeightsFile, type WeightsFile, type WeightsOptions } from '../engine/formats/weightsFile';
import { network, paramCount } from '../protocol/network';
import { StudioError } from '../protocol/errors';
import { badArgument, stringFlag, type Parsed } from './args';
import { checkInput, readInput } from './files';

/** The flags every command that reads a weights file takes: which state dict, and a complex's structure. */
export const WEIGHTS_OPTIONS = {
  key: { type: 'string' },
  complex: { type: 'string' },
} as const;

/** --key and --complex as the reader takes them. */
export function weightsOptions(values: Parsed['values']): Omit<WeightsOptions, 'fileName'> {
  const key = stringFlag(values, 'key');
  const text = stringFlag(values, 'complex');
  let complex: number[][] | undefined;
  if (text !== undefined) {
    try {
      complex = JSON.parse(text) as number[][];
    } catch {
      throw badArgument(
        `--complex must be JSON, a list of vertex lists such as [[0,2],[1,2]], not "${text}"`,
      );
    }
    if (
      !Array.isArray(complex) ||
      !complex.every((s) => Array.isArray(s) && s.every((v) => Number.isInteger(v)))
    ) {
      throw badArgument(`--complex must be a list of vertex lists such as [[0,2],[1,2]], not "${text}"`);
    }
  }
  return { ...(key === undefined ? {} : { key }), ...(complex === undefined ? {} : { complex }) };
}

export async function loadModelFile(
  file: string,
  options: Omit<WeightsOptions, 'fileName'> = {},
): Promise<WeightsFile> {
  // Before reading: an oversized file costs no memory.
  checkModelFileSize(checkInput(file, 'weights file'), path.basename(file));
  const bytes = readInput(file, 'weights file');
  try {
    return await parseWeightsFile(bytes, { ...options, fileName: path.basename(file) });
  } catch (err) {
    // The engine's messages say "the file"; on a command line the name helps.
    if (err instanceof StudioError) {
      throw new StudioError(err.code, `${path.basename(file)}: ${err.message}`, err.recoverable);
    }
    throw err;
  }
}

/** What `info` prints about a model, and `eval` echoes. */
export function describeModel(model: WeightsFile): Record<string, unknown> {
  const { spec, info } = model;
  const out: Record<string, unknown> = {
    format: model.format,
    // 'base': the base network's state_dict (one vertex); 'simplex': a SimplexNet state_dict.
    layout: model.layout,
    architecture: spec.architecture,
    family: network(spec).family,
    widthScale: spec.widthScale,
    classes: spec.numClasses,
    vertexCount: model.vertices.length,
    frozen: info.frozen,
    complex: info.complex,
    ...(info.curve ? { curve: { type: info.curve, numBends: model.vertices.length } } : {}),
    paramsPerVertex: paramCount(spec),
    batchNormLayers: model.statistics.length,
  };
  if (info.dataset !== undefined) out.dataset = info.dataset;
  if (info.normalisation !== undefined) out.normalisation = info.normalisation;
  if (info.run !== undefined) out.run = info.run;
  if (info.vertex !== undefined) out.vertex = info.vertex;
  if (info.metrics !== undefined) out.metrics = info.metrics;
  out.metadataKeys = Object.keys(model.metadata).sort();
  if (model.notes.length > 0) out.notes = model.notes;
  return out;
}
