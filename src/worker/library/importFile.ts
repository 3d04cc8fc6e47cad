// Runs in the worker (and in Node for tests); no DOM. Turns an untrusted weight file into a model
// ready for the library. All checks happen here, before anything is stored, so a refused file
// leaves the library as it was.

import { escapeText } from '../../protocol/displayText';
import { StudioError } from '../../protocol/errors';
import type { DatasetChoice, VertexRole } from '../../protocol/commands/models';
import { describeContent, looksLikePickle, looksLikeZip } from '../../engine/formats/fileKind';
import { parseWeightsFile, type WeightsOptions } from '../../engine/formats/weightsFile';
import type { NewModel } from '../storage/models';

/**
 * The model in `bytes` (a state_dict of a studio network, safetensors or PyTorch's .pt, the
 * studio's own exports included), and what reading it did. Throws BAD_SAFETENSORS, BAD_PT or
 * SHAPE_MISMATCH naming the file, and SHAPE_MISMATCH when its class count differs from the
 * dataset it will be used with.
 */
export async function modelFromFile(
  bytes: Uint8Array,
  fileName: string,
  usedWith: DatasetChoice | null,
  options: Omit<WeightsOptions, 'fileName'> = {},
): Promise<{ model: NewModel; notes: string[] }> {
  let file;
  try {
    file = await parseWeightsFile(bytes, { ...options, fileName });
  } catch (err) {
    if (!(err instanceof StudioError)) throw err;
    throw new StudioError(err.code, `${fileName}: ${hintFor(bytes) ?? err.message}`, err.recoverable);
  }
  const { spec, vertices, statistics, info } = file;
  if (usedWith && usedWith.numClasses !== spec.numClasses) {
    throw new StudioError(
      'SHAPE_MISMATCH',
      `${fileName} is a ${spec.numClasses}-class model but ${usedWith.name} has ${usedWith.numClasses} classes: pick a dataset with ${spec.numClasses} classes, or import a model trained for ${usedWith.numClasses}.`,
    );
  }
  const n = vertices.length;
  // A lone vertex is a mode other simplexes can start from; in a complex of several simplexes the
  // frozen vertices are its modes and the others its connectors; otherwise a file says no more.
  const frozen = Array.from({ length: n }, (_, i) => info.frozen.includes(i));
  const roles: VertexRole[] =
    n === 1
      ? ['mode']
      : info.curve
        ? frozen.map((_, i) => (i === 0 || i === n - 1 ? 'mode' : 'vertex'))
        : info.complex.length > 1
          ? frozen.map((f) => (f ? 'mode' : 'connector'))
          : frozen.map(() => 'vertex');
  const model: NewModel = {
    name: displayName(fileName),
    kind: 'imported',
    spec,
    vertices,
    statistics,
    complex: info.complex,
    frozen,
    roles,
    ...(info.curve ? { curve: info.curve } : {}),
    dataset: usedWith
      ? { id: usedWith.id, name: usedWith.name }
      : info.dataset !== undefined
        ? { id: null, name: escapeText(info.dataset) }
        : null,
    normalisation: info.normalisation ?? null,
    training: info.training ?? null,
    metrics: info.metrics ?? null,
    source: {
      kind: 'file',
      fileName: escapeText(fileName),
      run: info.run === undefined ? null : escapeText(info.run),
    },
  };
  return { model, notes: file.notes };
}

/** The file name without its extension, as the library shows it (control characters escaped). */
export function displayName(fileName: string): string {
  const base = escapeText(fileName.replace(/\.(safetensors|pt|pth|bin)$/i, '').trim());
  return base.length > 0 ? base : 'imported model';
}

/**
 * A sentence for files that are clearly some other format, which the weights readers can only
 * call malformed (a zip or a pickle goes to the .pt reader, whose message says what it found).
 */
function hintFor(bytes: Uint8Array): string | null {
  if (looksLikeZip(bytes) || looksLikePickle(bytes)) return null;
  const what = describeContent(bytes);
  return what === null ? null : `this is ${what}, not a weights file (safetensors or PyTorch .pt).`;
}
