// Runs on the page: the stored datasets as the worker lists them. The first listing of a fresh
// browser also generates the synthetic set, so its progress is passed on.

import type { DatasetInfo, DatasetProgress } from '../../../protocol/commands/data';
import type { ErrorInfo } from '../../../protocol/errors';
import type { EngineClient } from '../../engineClient';
import { useWorkerQuery } from '../../hooks/useWorkerQuery';

export interface DatasetsState {
  /** Null until the first listing arrives. */
  datasets: DatasetInfo[] | null;
  /** Progress of the synthetic set's first generation, while it runs. */
  generating: DatasetProgress | null;
  /** The failure's message (what `failure` says), for callers that print a line. */
  error: string | null;
  failure: ErrorInfo | null;
  refresh: () => void;
}

export const listDatasets = (client: EngineClient, onProgress: (p: DatasetProgress) => void) =>
  client.call('listDatasets', {}, { onProgress });

export function useDatasets(): DatasetsState {
  const query = useWorkerQuery(listDatasets, 0, ['datasets']);
  return {
    datasets: query.data,
    generating: query.progress,
    error: query.error?.message ?? null,
    failure: query.error,
    refresh: query.reload,
  };
}
