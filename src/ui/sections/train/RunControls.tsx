// Runs on the page: Pause / Resume / Stop for a run this page is training, Resume for one that
// can pick up from its checkpoint, Delete for one that is not training; nothing for a run another
// tab is training (its worker holds the run, and its progress shows here epoch by epoch).

import { useState } from 'react';
import type { RunRecord } from '../../../protocol/commands/train';
import type { RunTracker } from './runTracker';
import { canResume } from './runUpdates';

export function RunControls({ run, live, tracker }: { run: RunRecord; live: boolean; tracker: RunTracker }) {
  const [busy, setBusy] = useState(false);
  const act = (action: () => Promise<void>) => {
    setBusy(true);
    void action().finally(() => {
      setBusy(false);
    });
  };
  if (run.elsewhere && !live) {
    return (
      <p className="muted" data-testid="run-elsewhere">
        Training in another tab of this browser: pause or stop it there.
      </p>
    );
  }
  if (live) {
    return (
      <div className="run-controls">
        {run.status === 'paused' ? (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              act(() => tracker.resume(run.id));
            }}
          >
            Resume
          </button>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() => {
              act(() => tracker.pause(run.id));
            }}
          >
            Pause
          </button>
        )}
        <button
          type="button"
          disabled={busy}
          onClick={() => {
            act(() => tracker.stop(run.id));
          }}
        >
          Stop
        </button>
      </div>
    );
  }
  return (
    <div className="run-controls">
      {canResume(run) ? (
        <button
          type="button"
          onClick={() => {
            tracker.train(run.id);
          }}
        >
          Resume
        </button>
      ) : null}
      <button
        type="button"
        disabled={busy}
        onClick={() => {
          if (window.confirm(`Delete the run “${run.name}” and its checkpoints?`)) {
            act(() => tracker.remove(run.id));
          }
        }}
      >
        Delete
      </button>
    </div>
  );
}
