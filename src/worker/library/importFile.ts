// Runs in the worker (and in Node for tests); no DOM. Turns an untrusted weight file into a model
// ready for the library. All checks happen here, before anything is stored, so a refused file
// leaves the library as it was.

import { escapeText } from '../../protocol/displayText';
import { StudioError } from '../../protocol/errors';
import type { DatasetChoice, VertexRole } from '../../protocol/commands/models';
import { describeContent, looksLikePickle, looksLikeZip } from '../../engine/formats/fileKind';
import { parseModelFile } from '../../engine/formats/stateDict';
import type { NewModel } from '../storage/models';

/**
 * The model in `bytes` (a PyTorch `VGG16` or `SimplexNet` state_dict as safetensors, the studio's
 * own exports included). Throws BAD_SAFETENSORS or SHAPE_MISMATCH naming the file, and
 * SHAPE_MISMATCH when its class count differs from the dataset it will be used with.
 */
export function modelFromFile(bytes: Uint8Array, fileName: string, usedWith: DatasetChoice | null): NewModel {
  let file;
  try {
    file = parseModelFile(bytes);
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
  // A lone vertex is a mode other simplexes can start from; a file does not say more than that.
  const roles: VertexRole[] = n === 1 ? ['mode'] : Array.from({ length: n }, () => 'vertex' as const);
  return {
    name: displayName(fileName),
    kind: 'imported',
    spec,
    vertices,
    statistics,
    complex: info.complex,
    frozen: Array.from({ length: n }, (_, i) => info.frozen.includes(i)),
    roles,
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
}

/** The file name without its extension, as the library shows it (control characters escaped). */
export function displayName(fileName: string): string {
  const base = escapeText(fileName.replace(/\.safetensors$/i, '').trim());
  return base.length > 0 ? base : 'imported model';
}

/**
 * A sentence for files that are clearly some other format, which the safetensors reader can only
 * call malformed. PyTorch's own .pt/.bin files are the usual mistake: zip archives (torch ≥ 1.6)
 * or bare pickles.
 */
function hintFor(bytes: Uint8Array): string | null {
  if (looksLikeZip(bytes) || looksLikePickle(bytes)) {
    return 'this is a PyTorch pickle (torch.save), not safetensors, and the studio does not unpickle files. Convert it in Python: safetensors.torch.save_file(model.state_dict(), "model.safetensors").';
  }
  const what = describeContent(bytes);
  return what === null ? null : `this is ${what}, not a safetensors weights file.`;
}
