// Runs in the worker: the Data section's commands, over the dataset storage modules.

import type { DataCommands } from '../../protocol/commands/data';
import { StudioError } from '../../protocol/errors';
import { openCifarDownload } from '../cifarDownload';
import { importDownload, importIntoStorage } from '../storage/datasetImport';
import { deleteDataset, listDatasets, readSamples, verifyDataset } from '../storage/datasets';
import type { Handlers } from './types';

/** The sample grid never needs more; a bigger request is a bug in the caller. */
const MAX_SAMPLES = 256;

export const dataHandlers: Handlers<DataCommands> = {
  listDatasets(_params, ctx) {
    return listDatasets((p) => {
      ctx.progress(p);
    });
  },

  importDataset({ files, paths, name }, ctx) {
    if (files.length === 0) throw new StudioError('BAD_ARGUMENT', 'Pick a file to import.');
    return importIntoStorage(
      files,
      ctx.signal,
      (p) => {
        ctx.progress(p);
      },
      name,
      paths,
    );
  },

  async downloadDataset({ kind }, ctx) {
    const file = await openCifarDownload(kind, ctx.signal);
    return importDownload(file, ctx.signal, (p) => {
      ctx.progress(p);
    });
  },

  async deleteDataset({ id }) {
    return { deleted: await deleteDataset(id) };
  },

  datasetSamples({ id, split, count }) {
    if (!(count >= 0 && count <= MAX_SAMPLES)) {
      throw new StudioError('BAD_ARGUMENT', `Ask for 0 to ${MAX_SAMPLES} samples, not ${count}.`);
    }
    return readSamples(id, split, count);
  },

  verifyDataset({ id }) {
    return verifyDataset(id);
  },
};
