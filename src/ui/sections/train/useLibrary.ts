// Runs on the page: what the Start-a-run form picks from: the stored datasets (the first listing
// generates the synthetic set) and the model library (for the modes of a simplex or complex).

import { useEffect, useState } from 'react';
import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ModelSummary } from '../../../protocol/commands/models';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';

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
  const { client } = useEngine();
  const [datasets, setDatasets] = useState<DatasetInfo[] | null>(null);
  const [models, setModels] = useState<ModelSummary[] | null>(null);
  const [preparing, setPreparing] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);

  useEffect(() => {
    let live = true;
    client
      .call(
        'listDatasets',
        {},
        {
          onProgress: () => {
            if (live) setPreparing(true);
          },
        },
      )
      .then(
        (list) => {
          if (live) setDatasets(list);
        },
        (err: unknown) => {
          if (live) setError(toErrorInfo(err));
        },
      )
      .finally(() => {
        if (live) setPreparing(false);
      });
    return () => {
      live = false;
    };
  }, [client]);

  useEffect(() => {
    let live = true;
    client.call('listModels', {}).then(
      (result) => {
        if (live) setModels(result.models);
      },
      (err: unknown) => {
        if (live) setError(toErrorInfo(err));
      },
    );
    return () => {
      live = false;
    };
  }, [client, modelsVersion]);

  return { datasets, models, preparing, error };
}
