import { describe, expect, it } from 'vitest';
import { initialJob, jobReducer, type JobEvent, type JobState } from '../../../../src/ui/hooks/jobState';
import type { ErrorInfo } from '../../../../src/protocol/errors';

type State = JobState<number, string>;
const run = (events: JobEvent<number, string>[], from: State = initialJob()) =>
  events.reduce(jobReducer, from);
const cancelled: ErrorInfo = { code: 'CANCELLED', message: 'Cancelled.', recoverable: true };
const lost: ErrorInfo = { code: 'DEVICE_LOST', message: 'GPU lost', recoverable: false };

describe('worker job state', () => {
  it('runs, reports progress and finishes with its result', () => {
    const s = run([
      { type: 'start', id: 1 },
      { type: 'progress', id: 1, progress: 3 },
    ]);
    expect(s.status).toEqual({ kind: 'running', progress: 3 });
    expect(run([{ type: 'done', id: 1, result: 'r' }], s)).toEqual({
      id: 1,
      status: { kind: 'done', result: 'r' },
      last: 'r',
    });
  });

  it('tells a cancel from a failure, and both keep the partial progress', () => {
    const started = run([
      { type: 'start', id: 1 },
      { type: 'progress', id: 1, progress: 5 },
    ]);
    expect(run([{ type: 'failed', id: 1, error: cancelled }], started).status).toEqual({
      kind: 'cancelled',
      progress: 5,
    });
    expect(run([{ type: 'failed', id: 1, error: lost }], started).status).toEqual({
      kind: 'failed',
      error: lost,
      progress: 5,
    });
  });

  it('drops the events of a job that a newer one replaced', () => {
    const s = run([
      { type: 'start', id: 1 },
      { type: 'start', id: 2 },
      { type: 'failed', id: 1, error: cancelled },
      { type: 'progress', id: 1, progress: 9 },
      { type: 'done', id: 1, result: 'old' },
    ]);
    expect(s).toEqual({ id: 2, status: { kind: 'running', progress: null }, last: null });
  });

  it('ignores a progress message that arrives after the job ended', () => {
    const s = run([
      { type: 'start', id: 1 },
      { type: 'done', id: 1, result: 'r' },
      { type: 'progress', id: 1, progress: 1 },
    ]);
    expect(s.status).toEqual({ kind: 'done', result: 'r' });
  });

  it('keeps the last result through a newer job that fails, until reset', () => {
    const s = run([
      { type: 'start', id: 1 },
      { type: 'done', id: 1, result: 'first' },
      { type: 'start', id: 2 },
      { type: 'failed', id: 2, error: cancelled },
    ]);
    expect(s.last).toBe('first');
    const reset = run([{ type: 'reset' }, { type: 'done', id: 2, result: 'late' }], s);
    expect(reset).toEqual({ id: 2, status: { kind: 'idle' }, last: null });
  });
});
