// Loading a weights file for a command: the bytes from disk, parsed and checked by the engine's
// state_dict reader (either PyTorch layout, studio metadata optional). Runs in Node.

import path from 'node:path';
import { checkModelFileSize, parseModelFile, type ModelFile } from '../engine/formats/stateDict';
import { network, paramCount } from '../protocol/network';
import { StudioError } from '../protocol/errors';
import { checkInput, readInput } from './files';

export function loadModelFile(file: string): ModelFile {
  // Before reading: an oversized file costs no memory.
  checkModelFileSize(checkInput(file, 'weights file'), path.basename(file));
  const bytes = readInput(file, 'weights file');
  try {
    return parseModelFile(bytes);
  } catch (err) {
    // The engine's messages say "the file"; on a command line the name helps.
    if (err instanceof StudioError) {
      throw new StudioError(err.code, `${path.basename(file)}: ${err.message}`, err.recoverable);
    }
    throw err;
  }
}

/** What `info` prints about a model, and `eval` echoes. */
export function describeModel(model: ModelFile): Record<string, unknown> {
  const { spec, info } = model;
  const out: Record<string, unknown> = {
    // 'base': the base network's state_dict (one vertex); 'simplex': a SimplexNet state_dict.
    layout: model.layout,
    architecture: spec.architecture,
    family: network(spec).family,
    widthScale: spec.widthScale,
    classes: spec.numClasses,
    vertexCount: model.vertices.length,
    frozen: info.frozen,
    complex: info.complex,
    paramsPerVertex: paramCount(spec),
    batchNormLayers: model.statistics.length,
  };
  if (info.dataset !== undefined) out.dataset = info.dataset;
  if (info.normalisation !== undefined) out.normalisation = info.normalisation;
  if (info.run !== undefined) out.run = info.run;
  if (info.vertex !== undefined) out.vertex = info.vertex;
  if (info.metrics !== undefined) out.metrics = info.metrics;
  out.metadataKeys = Object.keys(model.metadata).sort();
  return out;
}
