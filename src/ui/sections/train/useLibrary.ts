// Runs on the page: what the Start-a-run form picks from: the stored datasets (the first listing
// generates the synthetic set) and the model library (for the modes of a simplex or complex).

import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import type { ErrorInfo } from '../../../protocol/errors';
import { useWorkerQuery } from '../../hooks/useWorkerQuery';
import { listDatasets } from '../data/useDatasets';
import { listModels } from '../models/useModelLibrary';

export interface Library {
  /** Null until listed. */
  datasets: DatasetInfo[] | null;
  models: ModelSummary[] | null;
  /** True while the synthetic set is generated on a first start. */
  preparing: boolean;
  error: ErrorInfo | null;
}

/** `modelsVersion` changes when the library may have grown (a run finished). */
export function useLibrary(modelsVersion: number): Library {
  const datasets = useWorkerQuery(listDatasets, 0, ['datasets']);
  const models = useWorkerQuery(listModels, modelsVersion, ['models']);
  return {
    datasets: datasets.data,
    models: models.data,
    preparing: datasets.progress !== null,
    error: datasets.error ?? models.error,
  };
}
