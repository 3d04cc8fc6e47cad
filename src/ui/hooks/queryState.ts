// Runs on the page: what a worker query holds between its events, as a pure reducer (no React),
// so the rules are tested in Node: a failure keeps the last good data, a success clears the error,
// progress lasts only while the query runs.

import type { ErrorInfo } from '../../protocol/errors';

export interface QueryState<T, P> {
  /** Null until the first answer arrives. */
  data: T | null;
  /** The latest progress of the query in flight (e.g. the synthetic set's generation), or null. */
  progress: P | null;
  error: ErrorInfo | null;
}

export type QueryEvent<T, P> =
  { type: 'progress'; progress: P } | { type: 'loaded'; data: T } | { type: 'failed'; error: ErrorInfo };

export function initialQuery<T, P>(): QueryState<T, P> {
  return { data: null, progress: null, error: null };
}

export function queryReducer<T, P>(state: QueryState<T, P>, event: QueryEvent<T, P>): QueryState<T, P> {
  switch (event.type) {
    case 'progress':
      return { ...state, progress: event.progress };
    case 'loaded':
      return { data: event.data, progress: null, error: null };
    case 'failed':
      return { ...state, progress: null, error: event.error };
    default: {
      const never: never = event;
      return never;
    }
  }
}
