// The studio's one module Web Worker: every tfjs computation runs here, never on the page.
// It receives Commands, runs the matching handler, and answers with progress, result or error
// events carrying the command's id. A command that computes with tfjs waits for the backend's
// start (the page may send it before, or while, the backend starts: a file picked in the first
// second, a quick start pressed), and fails with the start's own error if it could not start;
// the others (storage: datasets, models, runs) run at once.

import type { Command, CommandMap, CommandName, CommandOf, WorkerEvent } from '../protocol/messages';
import { backendStarted, coreHandlers } from './handlers/core';
import { dataHandlers } from './handlers/data';
import { ensembleHandlers } from './handlers/ensembles';
import { modelHandlers } from './handlers/models';
import { trainHandlers } from './handlers/train';
import { benchHandlers } from './handlers/bench';
import { surfaceHandlers } from './handlers/surfaces';
import { landscapeHandlers } from './handlers/landscapes';
import type { Handler, Handlers } from './handlers/types';
import { finishRequest, postEvent, trackRequest } from './events';
import { errorInfoOf } from './backend';

declare const self: DedicatedWorkerGlobalScope;

const handlers: Handlers<CommandMap> = {
  ...coreHandlers,
  ...modelHandlers,
  ...dataHandlers,
  ...trainHandlers,
  ...ensembleHandlers,
  ...benchHandlers,
  ...surfaceHandlers,
  ...landscapeHandlers,
};

/** Per command: whether it needs tfjs's backend started (a new command must say). */
const NEEDS_BACKEND: Record<CommandName, boolean> = {
  init: false,
  cancel: false,
  matmul: true,
  listModels: false,
  importModel: false,
  deleteModel: false,
  exportModel: false,
  listDatasets: false,
  importDataset: false,
  downloadDataset: false,
  deleteDataset: false,
  datasetSamples: false,
  verifyDataset: false,
  createRun: false,
  train: true,
  pauseRun: false,
  continueRun: false,
  stopRun: false,
  listRuns: false,
  deleteRun: false,
  bench: true,
  warmUp: true,
  evaluateEnsemble: true,
  computeSurface: true,
  evaluateSurfacePoint: true,
  edgeProfiles: true,
  projectComplex: true,
  listPaths: false,
  computeLandscape: true,
  evaluateLandscapePoint: true,
  landscapeHdf5: false,
};

async function dispatch<K extends CommandName>(command: CommandOf<K>): Promise<void> {
  const { id, type } = command;
  const handler = handlers[type] as Handler<K>;
  const signal = trackRequest(id);
  try {
    if (NEEDS_BACKEND[type]) await backendStarted();
    const result = await handler(command.params, {
      id,
      signal,
      progress: (progress) => {
        postEvent({ type: 'progress', id, command: type, progress } as WorkerEvent);
      },
    });
    postEvent({ type: 'result', id, command: type, result } as WorkerEvent);
  } catch (err) {
    const error = errorInfoOf(err);
    if (error.code !== 'CANCELLED') console.error(err);
    postEvent({ type: 'error', id, error });
  } finally {
    finishRequest(id);
  }
}

self.addEventListener('message', (event: MessageEvent<Command>) => {
  void dispatch(event.data);
});
self.addEventListener('unhandledrejection', (event) => {
  console.error('unhandled rejection in worker', event.reason);
});
