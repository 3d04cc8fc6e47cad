// Runs on the page: what the Ensembles form picks from, fetched when the section opens: stored
// datasets (the first listing generates the synthetic set) and the model library.

import { useEffect, useState } from 'react';
import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';

export interface EnsembleInputs {
  /** Null until listed. */
  datasets: DatasetInfo[] | null;
  models: ModelSummary[] | null;
  error: ErrorInfo | null;
  /** Lists the library again (after an import elsewhere). */
  reload: () => void;
}

export function useEnsembleInputs(): EnsembleInputs {
  const { client } = useEngine();
  const [datasets, setDatasets] = useState<DatasetInfo[] | null>(null);
  const [models, setModels] = useState<ModelSummary[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    Promise.all([client.call('listDatasets', {}), client.call('listModels', {})]).then(
      ([list, library]) => {
        if (!live) return;
        setDatasets(list);
        setModels(library.models);
        setError(null);
      },
      (err: unknown) => {
        if (live) setError(toErrorInfo(err));
      },
    );
    return () => {
      live = false;
    };
  }, [client, version]);

  return {
    datasets,
    models,
    error,
    reload: () => {
      setVersion((v) => v + 1);
    },
  };
}
