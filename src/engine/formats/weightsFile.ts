// One reader for every weights file the studio takes, in the tab and the CLI: safetensors
// (stateDict.ts) and PyTorch's own .pt files (torchFile.ts), both into the same ModelFile. A
// SimplexNet .pt says nothing of its complex (the reference stores none): the structure comes
// from the studio's metadata where the studio wrote the file, else from the reference's file name
// pattern (`<n>mode_<k>connector_…`: every mode joined to all k connectors, the modes frozen),
// else from the caller (the import's structure field, the CLI's --complex), else it is one simplex
// of all vertices, SimplexNet's own default. Pure: no DOM, no Node APIs.

import { StudioError } from '../../protocol/errors';
import type { ModelSpec } from '../../protocol/architecture';
import type { RunningStatistics, TfVertex } from './layout';
import { encodeMetadata, type ModelMetadata, type SimplexMetadata } from './modelMetadata';
import {
  modelFromStateDict,
  parseModelFile,
  simplexFile,
  stateDictTensors,
  vertexFile,
  type ModelFile,
  type StateDictLayout,
} from './stateDict';
import { looksLikeTorchFile, readTorchStateDict } from './torchFile';
import { torchFile } from './torchWriter';

export type WeightsFormat = 'safetensors' | 'pt';

/** The format a file name asks for: `.pt`, `.pth` and `.bin` are PyTorch's, anything else safetensors. */
export function formatOfName(name: string): WeightsFormat {
  return /\.(pt|pth|bin)$/i.test(name) ? 'pt' : 'safetensors';
}

/**
 * A model's weights as a file of `format` and `layout`, parts for a Blob: the state dict named as
 * the reference's modules, with the studio's metadata (safetensors' `__metadata__`, or the .pt
 * archive's studio.json).
 */
export function weightsFileParts(
  format: WeightsFormat,
  layout: StateDictLayout,
  spec: ModelSpec,
  vertices: readonly TfVertex[],
  statistics: RunningStatistics,
  metadata: ModelMetadata | SimplexMetadata,
): Uint8Array[] {
  if (format === 'safetensors') {
    return layout === 'base'
      ? vertexFile(spec, vertices[0] ?? [], statistics, metadata)
      : simplexFile(spec, vertices, statistics, metadata as SimplexMetadata);
  }
  const tensors = stateDictTensors(spec, layout, vertices, statistics);
  return [torchFile(tensors, encodeMetadata(spec, metadata, vertices.length))];
}

export interface WeightsOptions {
  /** The file's name, whose pattern may say a complex's structure. */
  fileName?: string;
  /** The dict key of the state dict, where a .pt file holds several. */
  key?: string;
  /** A complex's simplexes (vertex lists), where the file does not say them. */
  complex?: number[][];
}

export interface WeightsFile extends ModelFile {
  format: WeightsFormat;
  /** What reading did that the user should know (a key taken, dtypes converted, a structure inferred). */
  notes: string[];
}

/** `<n>mode_<k>connector`, as the reference's complex_iterative.py names its files. */
const COMPLEX_NAME = /(\d+)mode_(\d+)connector/;

/** Reads a safetensors or .pt weights file; throws BAD_SAFETENSORS, BAD_PT or SHAPE_MISMATCH. */
export async function parseWeightsFile(
  bytes: Uint8Array,
  options: WeightsOptions = {},
): Promise<WeightsFile> {
  if (!looksLikeTorchFile(bytes)) {
    if (options.key !== undefined)
      throw new StudioError('BAD_ARGUMENT', 'A state dict key applies to .pt files only.');
    const file = withComplex(parseModelFile(bytes), options);
    return { ...file, format: 'safetensors', notes: [] };
  }
  const read = await readTorchStateDict(bytes, options.key === undefined ? {} : { key: options.key });
  const notes = [...read.notes];
  const metadata = { ...read.metadata };
  const named = options.fileName ? COMPLEX_NAME.exec(options.fileName) : null;
  if (metadata.complex === undefined && options.complex === undefined && named) {
    const modes = Number(named[1]);
    const connectors = Number(named[2]);
    const vertices = countVertices(read.tensors.keys());
    if (vertices !== modes + connectors) {
      throw new StudioError(
        'SHAPE_MISMATCH',
        `${options.fileName ?? 'The file'}: its name says ${modes} modes and ${connectors} connectors (${modes + connectors} vertices), but it holds ${vertices}.`,
      );
    }
    const joined = Array.from({ length: connectors }, (_, c) => modes + c);
    metadata.complex = JSON.stringify(Array.from({ length: modes }, (_, m) => [m, ...joined]));
    metadata.frozen = JSON.stringify(Array.from({ length: modes }, (_, m) => m));
    notes.push(
      `read the complex from the file name: ${modes} modes, each joined to ${connectors} connector${connectors === 1 ? '' : 's'}`,
    );
  }
  const file = withComplex(modelFromStateDict(read.tensors, metadata), options);
  return { ...file, format: 'pt', notes };
}

/** The caller's complex laid over the file's, checked against its vertex count. */
function withComplex(file: ModelFile, options: WeightsOptions): ModelFile {
  if (options.complex === undefined) return file;
  const k = file.vertices.length;
  const used = new Set(options.complex.flat());
  const bad = options.complex.find(
    (s) =>
      s.length === 0 ||
      new Set(s).size !== s.length ||
      s.some((v) => !Number.isInteger(v) || v < 0 || v >= k),
  );
  if (bad || used.size !== k) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `The complex ${JSON.stringify(options.complex)} does not fit the file's ${k} vertices: each simplex lists different vertices of 0…${k - 1}, and every vertex is in one.`,
    );
  }
  return { ...file, info: { ...file.info, complex: options.complex.map((s) => [...s]) } };
}

/** Vertices of a SimplexNet state dict, from its `_<i>` suffixes (1 for a base network's). */
function countVertices(names: Iterable<string>): number {
  let max = -1;
  let simplex = false;
  for (const name of names) {
    if (!name.startsWith('net.')) continue;
    simplex = true;
    const m = /_(0|[1-9][0-9]*)$/.exec(name);
    if (m) max = Math.max(max, Number(m[1]));
  }
  return simplex ? max + 1 : 1;
}
