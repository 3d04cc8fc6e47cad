// Runs in the worker; no DOM. The model library's commands. Files cross the boundary as Blobs:
// an import is read here, never on the page, and an export is assembled here into one Blob from
// the writer's parts, which the page saves without touching the bytes.

import type { ModelCommands } from '../../protocol/commands/models';
import { deleteModel, getModel, listModels, saveModel } from '../storage/models';
import { deleteSurfacesOf } from '../storage/surfaces';
import { modelFromFile } from '../library/importFile';
import { checkModelFileSize } from '../../engine/formats/stateDict';
import {
  manifest,
  manifestFileName,
  simplexFileName,
  simplexParts,
  vertexFileName,
  vertexParts,
} from '../library/exportFiles';
import { summarise } from '../storage/models';
import type { Handlers } from './types';

const WEIGHTS = 'application/octet-stream';

export const modelHandlers: Handlers<ModelCommands> = {
  async listModels() {
    return { models: await listModels() };
  },

  async importModel({ file, fileName, usedWith, key, complex }) {
    // Before reading: an oversized file costs the worker no memory.
    checkModelFileSize(file.size, fileName);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const { model, notes } = await modelFromFile(bytes, fileName, usedWith, {
      ...(key === undefined ? {} : { key }),
      ...(complex === undefined ? {} : { complex }),
    });
    return { model: await saveModel(model), notes };
  },

  async deleteModel({ id }) {
    const deleted = await deleteModel(id);
    // Cached grids of a deleted model can never be shown again.
    await deleteSurfacesOf(id);
    return { deleted };
  },

  async exportModel({ id, part }) {
    const model = await getModel(id);
    const summary = summarise(model);
    switch (part.kind) {
      case 'vertex':
        // Blob copies the parts once into browser storage; the parts are then garbage.
        return {
          fileName: vertexFileName(summary, part.index, part.format),
          blob: new Blob(vertexParts(model, part.index, part.format) as BlobPart[], { type: WEIGHTS }),
        };
      case 'simplex':
        return {
          fileName: simplexFileName(summary, part.format),
          blob: new Blob(simplexParts(model, part.format) as BlobPart[], { type: WEIGHTS }),
        };
      case 'manifest':
        return {
          fileName: manifestFileName(summary),
          blob: new Blob([JSON.stringify(manifest(summary), null, 2)], { type: 'application/json' }),
        };
      default: {
        const unknown: never = part;
        throw new Error(`Unknown export part ${JSON.stringify(unknown)}`);
      }
    }
  },
};
