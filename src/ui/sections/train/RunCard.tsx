// Runs on the page: one run: what it is, where it stands, its controls, and its charts (always
// for a run training here, on demand for the others).

import { useState } from 'react';
import type { ModelSummary } from '../../../protocol/commands/models';
import type { RunRecord } from '../../../protocol/commands/train';
import { PROCEDURE_LABELS } from '../../../protocol/settings';
import type { ErrorInfo } from '../../../protocol/errors';
import { ErrorNotice } from '../../components/ErrorNotice';
import { formatDate } from './format';
import { RunCharts } from './RunCharts';
import { RunControls } from './RunControls';
import { RunMetrics } from './RunMetrics';
import { RunModels } from './RunModels';
import { RunProgress } from './RunProgress';
import { RunSettings } from './RunSettings';
import type { RunTracker } from './runTracker';

export interface RunCardProps {
  run: RunRecord;
  live: boolean;
  /** Resumed or started here, and the worker has not reported yet. */
  starting: boolean;
  callError: ErrorInfo | undefined;
  models: readonly ModelSummary[] | null;
  tracker: RunTracker;
  /** Ticked to be overlaid with other runs above the list. */
  compared: boolean;
  onCompare: (on: boolean) => void;
}

export function RunCard({
  run,
  live,
  starting,
  callError,
  models,
  tracker,
  compared,
  onCompare,
}: RunCardProps) {
  const [showCharts, setShowCharts] = useState(live);
  // A run that trains here keeps its charts open after it ends; hiding them is the user's call.
  const [wasLive, setWasLive] = useState(live);
  if (live !== wasLive) {
    setWasLive(live);
    if (live) setShowCharts(true);
  }
  const error = callError ?? run.error;
  const chartsVisible = live || showCharts;
  return (
    <article
      className="card run-card"
      data-run-id={run.id}
      data-status={run.status}
      aria-label={`Run ${run.name}`}
    >
      <header className="run-head">
        <h4>{run.name}</h4>
        <span className={`run-status status-${starting ? 'starting' : run.status}`} data-testid="run-status">
          {starting ? 'starting' : run.status}
        </span>
        <span className="muted">
          {PROCEDURE_LABELS[run.settings.procedure]} · {run.settings.datasetId} · {formatDate(run.createdAt)}
        </span>
        <label className="run-compare">
          <input
            type="checkbox"
            checked={compared}
            onChange={(e) => {
              onCompare(e.target.checked);
            }}
          />{' '}
          Compare
        </label>
      </header>
      {live ? <RunProgress run={run} /> : null}
      {!live && run.status === 'interrupted' ? (
        <p className="muted">
          Interrupted: the tab was closed or reloaded while it trained. Resume goes on from its last
          checkpoint.
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} context="run" /> : null}
      <p>
        <RunMetrics run={run} />
      </p>
      <RunModels run={run} models={models} />
      <RunControls run={run} live={live} tracker={tracker} />
      <RunSettings settings={run.settings} models={models} />
      {live ? null : (
        <button
          type="button"
          className="link-button"
          aria-expanded={showCharts}
          onClick={() => {
            setShowCharts((v) => !v);
          }}
        >
          {showCharts ? 'Hide charts' : 'Show charts'}
        </button>
      )}
      {chartsVisible ? (
        <RunCharts history={run.history} withVolume={run.settings.procedure !== 'base'} />
      ) : null}
    </article>
  );
}
