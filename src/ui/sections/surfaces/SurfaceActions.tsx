// Runs on the page: Compute, Recompute and Cancel for the surface job, and where it stands.

import type { ErrorInfo } from '../../../protocol/errors';
import { ErrorNotice } from '../../components/ErrorNotice';
import { surfaceStatusLine, type SurfaceJob } from './useSurfaceJob';

export interface SurfaceActionsProps {
  job: SurfaceJob;
  /** Whether there is something to compute (a face chosen, every field valid). */
  ready: boolean;
  compute: (recompute: boolean) => void;
  /** A request from another section that could not be opened. */
  requestError: ErrorInfo | null;
}

export function SurfaceActions({ job, ready, compute, requestError }: SurfaceActionsProps) {
  const running = job.status.kind === 'running';
  const line = surfaceStatusLine(job.status);
  const error = job.status.kind === 'failed' ? job.status.error : requestError;
  return (
    <>
      <div>
        <button
          type="button"
          data-testid="surface-compute"
          disabled={running || !ready}
          onClick={() => {
            compute(false);
          }}
        >
          Compute surface
        </button>{' '}
        <button
          type="button"
          disabled={running || !ready}
          onClick={() => {
            compute(true);
          }}
        >
          Recompute (ignore the cache)
        </button>{' '}
        <button type="button" disabled={!running} onClick={job.cancel}>
          Cancel
        </button>
      </div>
      {line ? (
        <p className="muted" data-testid="surface-progress">
          {line}
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
    </>
  );
}
