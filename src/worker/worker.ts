// The studio's one module Web Worker: every tfjs computation runs here, never on the page.
// It receives Commands, runs the matching handler, and answers with progress, result or error
// events carrying the command's id.

import type { Command, CommandMap, CommandName, CommandOf, WorkerEvent } from '../protocol/messages';
import { coreHandlers } from './handlers/core';
import { dataHandlers } from './handlers/data';
import { ensembleHandlers } from './handlers/ensembles';
import { modelHandlers } from './handlers/models';
import { trainHandlers } from './handlers/train';
import { benchHandlers } from './handlers/bench';
import { surfaceHandlers } from './handlers/surfaces';
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
};

async function dispatch<K extends CommandName>(command: CommandOf<K>): Promise<void> {
  const { id, type } = command;
  const handler = handlers[type] as Handler<K>;
  const signal = trackRequest(id);
  try {
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
