// Runs on the page: the library as React state, fetched from the worker again after every change.

import type { ModelSummary } from '../../../protocol/commands/models';
import type { ErrorInfo } from '../../../protocol/errors';
import type { EngineClient } from '../../engineClient';
import { useWorkerQuery } from '../../hooks/useWorkerQuery';

export interface ModelLibrary {
  /** Null until the first list has arrived. */
  models: ModelSummary[] | null;
  error: ErrorInfo | null;
  /** Fetches the list again (after an import or delete). */
  reload: () => void;
}

export const listModels = async (client: EngineClient) => (await client.call('listModels', {})).models;

export function useModelLibrary(): ModelLibrary {
  const query = useWorkerQuery(listModels, 0, ['models']);
  return { models: query.data, error: query.error, reload: query.reload };
}
