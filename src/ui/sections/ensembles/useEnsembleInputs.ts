// Runs on the page: what the Ensembles form picks from, fetched when the section opens: stored
// datasets (the first listing generates the synthetic set) and the model library.

import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import type { ErrorInfo } from '../../../protocol/errors';
import type { EngineClient } from '../../engineClient';
import { useWorkerQuery } from '../../hooks/useWorkerQuery';

export interface EnsembleInputs {
  /** Null until listed. */
  datasets: DatasetInfo[] | null;
  models: ModelSummary[] | null;
  error: ErrorInfo | null;
  /** Lists the library again (after an import elsewhere). */
  reload: () => void;
}

// Both lists in one query, so a reload refreshes them together.
const listInputs = async (client: EngineClient) => {
  const [datasets, library] = await Promise.all([
    client.call('listDatasets', {}),
    client.call('listModels', {}),
  ]);
  return { datasets, models: library.models };
};

export function useEnsembleInputs(): EnsembleInputs {
  const query = useWorkerQuery(listInputs, 0, ['models', 'datasets']);
  return {
    datasets: query.data?.datasets ?? null,
    models: query.data?.models ?? null,
    error: query.error,
    reload: query.reload,
  };
}
