// Runs on the page: one cancellable worker job at a time (a surface, an evaluation, a run's
// start) as React state: `start` cancels the job before it, `cancel` aborts the one running, and
// the status is jobState.ts's union. Leaving the section does not cancel: the worker finishes
// and caches what it computed (a surface's grid), and the answer is dropped.

import { useCallback, useEffect, useReducer, useRef } from 'react';
import { toErrorInfo } from '../../protocol/errors';
import { initialJob, jobReducer, type JobState } from './jobState';

export interface JobContext<P> {
  signal: AbortSignal;
  onProgress: (progress: P) => void;
}

export type JobWork<A, P, R> = (args: A, context: JobContext<P>) => Promise<R>;

export interface WorkerJob<A, P, R> extends JobState<P, R> {
  /** Resolves with the result, or null when the job failed or was cancelled (see `status`). */
  start: (args: A) => Promise<R | null>;
  cancel: () => void;
  reset: () => void;
}

export function useWorkerJob<A, P, R>(work: JobWork<A, P, R>): WorkerJob<A, P, R> {
  const [state, dispatch] = useReducer(jobReducer<P, R>, undefined, initialJob<P, R>);
  const current = useRef<{ id: number; controller: AbortController } | null>(null);
  // The newest `work`, so that `start` stays one function while `work` closes over new props.
  const latest = useRef(work);
  useEffect(() => {
    latest.current = work;
  });

  const start = useCallback(async (args: A): Promise<R | null> => {
    current.current?.controller.abort();
    const id = (current.current?.id ?? 0) + 1;
    const controller = new AbortController();
    current.current = { id, controller };
    dispatch({ type: 'start', id });
    try {
      const result = await latest.current(args, {
        signal: controller.signal,
        onProgress: (progress) => {
          dispatch({ type: 'progress', id, progress });
        },
      });
      dispatch({ type: 'done', id, result });
      return result;
    } catch (err) {
      dispatch({ type: 'failed', id, error: toErrorInfo(err) });
      return null;
    }
  }, []);

  const cancel = useCallback(() => {
    current.current?.controller.abort();
  }, []);

  const reset = useCallback(() => {
    current.current?.controller.abort();
    dispatch({ type: 'reset' });
  }, []);

  return { ...state, start, cancel, reset };
}
