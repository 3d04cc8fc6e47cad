import { describe, expect, it } from 'vitest';
import { initialQuery, queryReducer, type QueryState } from '../../../../src/ui/hooks/queryState';
import type { ErrorInfo } from '../../../../src/protocol/errors';

const failure: ErrorInfo = { code: 'STORAGE', message: 'IndexedDB failed', recoverable: true };

describe('worker query state', () => {
  it('shows progress while the query runs and drops it with the answer', () => {
    let s: QueryState<string[], number> = initialQuery();
    s = queryReducer(s, { type: 'progress', progress: 3 });
    expect(s).toEqual({ data: null, progress: 3, error: null });
    s = queryReducer(s, { type: 'loaded', data: ['a'] });
    expect(s).toEqual({ data: ['a'], progress: null, error: null });
  });

  it('keeps the last good data when a reload fails, and a later success clears the error', () => {
    let s: QueryState<string[], number> = queryReducer(initialQuery(), { type: 'loaded', data: ['a'] });
    s = queryReducer(s, { type: 'progress', progress: 1 });
    s = queryReducer(s, { type: 'failed', error: failure });
    expect(s).toEqual({ data: ['a'], progress: null, error: failure });
    s = queryReducer(s, { type: 'loaded', data: ['a', 'b'] });
    expect(s).toEqual({ data: ['a', 'b'], progress: null, error: null });
  });
});
