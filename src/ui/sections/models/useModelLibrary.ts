// Runs on the page: the library as React state, fetched from the worker again after every change.

import { useCallback, useEffect, useState } from 'react';
import type { ModelSummary } from '../../../protocol/commands/models';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';

export interface ModelLibrary {
  /** Null until the first list has arrived. */
  models: ModelSummary[] | null;
  error: ErrorInfo | null;
  /** Fetches the list again (after an import or delete). */
  reload: () => void;
}

export function useModelLibrary(): ModelLibrary {
  const { client } = useEngine();
  const [models, setModels] = useState<ModelSummary[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    let live = true;
    client.call('listModels', {}).then(
      ({ models }) => {
        if (!live) return;
        setModels(models);
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

  const reload = useCallback(() => {
    setVersion((v) => v + 1);
  }, []);

  return { models, error, reload };
}
