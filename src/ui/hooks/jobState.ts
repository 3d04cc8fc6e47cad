// Runs on the page: the state of a cancellable worker job as a pure reducer (no React), so the
// rules are tested in Node. The status is a discriminated union, drawn by each section in its own
// words; every event carries its job's id, and events of a job that a newer one replaced are
// dropped. A cancelled or failed job keeps its last progress (a partial result stays on screen),
// and `last` keeps the last finished result while a newer job runs or after it fails.

import type { ErrorInfo } from '../../protocol/errors';

export type JobStatus<P, R> =
  | { kind: 'idle' }
  /** `progress` is null until the worker's first progress event. */
  | { kind: 'running'; progress: P | null }
  | { kind: 'done'; result: R }
  | { kind: 'cancelled'; progress: P | null }
  | { kind: 'failed'; error: ErrorInfo; progress: P | null };

export interface JobState<P, R> {
  /** The id of the newest job; 0 before the first. */
  id: number;
  status: JobStatus<P, R>;
  /** The newest job's result that finished, kept until reset. */
  last: R | null;
}

export type JobEvent<P, R> =
  | { type: 'start'; id: number }
  | { type: 'progress'; id: number; progress: P }
  | { type: 'done'; id: number; result: R }
  | { type: 'failed'; id: number; error: ErrorInfo }
  /** Forgets the status and the last result (another model was picked). */
  | { type: 'reset' };

export function initialJob<P, R>(): JobState<P, R> {
  return { id: 0, status: { kind: 'idle' }, last: null };
}

function progressOf<P, R>(status: JobStatus<P, R>): P | null {
  return status.kind === 'running' ? status.progress : null;
}

export function jobReducer<P, R>(state: JobState<P, R>, event: JobEvent<P, R>): JobState<P, R> {
  if (event.type === 'reset') return { ...initialJob<P, R>(), id: state.id };
  if (event.type === 'start') return { ...state, id: event.id, status: { kind: 'running', progress: null } };
  // Only the newest job's events count, and only while it runs: a late progress message after
  // the result (or after a cancel) must not reopen it.
  if (event.id !== state.id || state.status.kind !== 'running') return state;
  switch (event.type) {
    case 'progress':
      return { ...state, status: { kind: 'running', progress: event.progress } };
    case 'done':
      return { ...state, status: { kind: 'done', result: event.result }, last: event.result };
    case 'failed': {
      const progress = progressOf(state.status);
      return {
        ...state,
        status:
          event.error.code === 'CANCELLED'
            ? { kind: 'cancelled', progress }
            : { kind: 'failed', error: event.error, progress },
      };
    }
    default: {
      const never: never = event;
      return never;
    }
  }
}
