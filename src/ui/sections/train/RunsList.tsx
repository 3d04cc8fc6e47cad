// Runs on the page: every stored run, newest first. One list, so a run's card (and its open
// charts) stays in place when it stops training.

import type { ModelSummary } from '../../../protocol/commands/models';
import type { RunsSnapshot, RunTracker } from './runTracker';
import { RunCard } from './RunCard';
import { ErrorNotice } from '../../components/ErrorNotice';

export function RunsList({
  snapshot,
  models,
  tracker,
}: {
  snapshot: RunsSnapshot;
  models: readonly ModelSummary[] | null;
  tracker: RunTracker;
}) {
  const runs = snapshot.runs;
  return (
    <section className="runs-list" aria-labelledby="runs-heading">
      <h3 id="runs-heading">Runs</h3>
      {snapshot.listError ? <ErrorNotice error={snapshot.listError} /> : null}
      {runs === null ? <p className="muted">Loading runs…</p> : null}
      {runs?.length === 0 ? <p className="muted">No runs yet.</p> : null}
      {runs?.map((run) => (
        <RunCard
          key={run.id}
          run={run}
          live={snapshot.live.has(run.id)}
          starting={snapshot.starting.has(run.id)}
          callError={snapshot.callErrors.get(run.id)}
          models={models}
          tracker={tracker}
        />
      ))}
    </section>
  );
}
