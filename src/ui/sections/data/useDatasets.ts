// Runs on the page: the stored datasets as the worker lists them. The first listing of a fresh
// browser also generates the synthetic set, so its progress is passed on.

import { useCallback, useEffect, useState } from 'react';
import type { DatasetInfo, DatasetProgress } from '../../../protocol/commands/data';
import { toErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';

export interface DatasetsState {
  /** Null until the first listing arrives. */
  datasets: DatasetInfo[] | null;
  /** Progress of the synthetic set's first generation, while it runs. */
  generating: DatasetProgress | null;
  error: string | null;
  refresh: () => void;
}

export function useDatasets(): DatasetsState {
  const { client } = useEngine();
  const [datasets, setDatasets] = useState<DatasetInfo[] | null>(null);
  const [generating, setGenerating] = useState<DatasetProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    client
      .call(
        'listDatasets',
        {},
        {
          onProgress: (p) => {
            if (live) setGenerating(p);
          },
        },
      )
      .then(
        (list) => {
          if (!live) return;
          setDatasets(list);
          setGenerating(null);
          setError(null);
        },
        (err: unknown) => {
          if (!live) return;
          setGenerating(null);
          setError(toErrorInfo(err).message);
        },
      );
    return () => {
      live = false;
    };
  }, [client, version]);

  const refresh = useCallback(() => {
    setVersion((v) => v + 1);
  }, []);
  return { datasets, generating, error, refresh };
}
