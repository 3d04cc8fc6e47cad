// Runs on the page: one read from the worker as React state: fetched on mount and whenever `key`
// changes or `reload` is called; an answer that arrives after unmount or after a newer fetch began
// is dropped. `query` must be stable (a module-level function), or every render would refetch.

import { useCallback, useEffect, useReducer, useState } from 'react';
import { toErrorInfo } from '../../protocol/errors';
import type { ChangedList } from '../../protocol/changes';
import { onChanged } from '../changes';
import type { EngineClient } from '../engineClient';
import { useEngine } from '../engineContext';
import { initialQuery, queryReducer, type QueryState } from './queryState';

export type WorkerQueryFn<T, P> = (client: EngineClient, onProgress: (progress: P) => void) => Promise<T>;

export interface WorkerQuery<T, P> extends QueryState<T, P> {
  /** Fetches again (after an import, a delete or a change elsewhere). */
  reload: () => void;
}

export function useWorkerQuery<T, P = never>(
  query: WorkerQueryFn<T, P>,
  key: string | number = 0,
  /** The stored lists whose changes (in any tab) fetch again. */
  refreshOn: readonly ChangedList[] = [],
): WorkerQuery<T, P> {
  const { client } = useEngine();
  const [state, dispatch] = useReducer(queryReducer<T, P>, undefined, initialQuery<T, P>);
  const [version, setVersion] = useState(0);
  const lists = refreshOn.join();

  useEffect(() => {
    const stops = lists
      .split(',')
      .filter((l): l is ChangedList => l === 'runs' || l === 'models' || l === 'datasets')
      .map((list) =>
        onChanged(list, () => {
          setVersion((v) => v + 1);
        }),
      );
    return () => {
      stops.forEach((stop) => {
        stop();
      });
    };
  }, [lists]);

  useEffect(() => {
    let live = true;
    query(client, (progress) => {
      if (live) dispatch({ type: 'progress', progress });
    }).then(
      (data) => {
        if (live) dispatch({ type: 'loaded', data });
      },
      (err: unknown) => {
        if (live) dispatch({ type: 'failed', error: toErrorInfo(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [client, query, key, version]);

  const reload = useCallback(() => {
    setVersion((v) => v + 1);
  }, []);
  return { ...state, reload };
}
