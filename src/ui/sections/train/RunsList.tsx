// Runs on the page: every stored run, newest first, except those shown above as training now.

import type { ModelSummary } from '../../../protocol/commands/models';
import type { RunsSnapshot, RunTracker } from './runTracker';
import { RunCard } from './RunCard';

export function RunsList({
  snapshot,
  models,
  tracker,
}: {
  snapshot: RunsSnapshot;
  models: readonly ModelSummary[] | null;
  tracker: RunTracker;
}) {
  const runs = snapshot.runs?.filter((r) => !snapshot.live.has(r.id));
  return (
    <section className="runs-list" aria-labelledby="runs-heading">
      <h3 id="runs-heading">Runs</h3>
      {snapshot.listError ? (
        <p role="alert" className="error">
          {snapshot.listError.message}
        </p>
      ) : null}
      {runs === undefined ? <p className="muted">Loading runs…</p> : null}
      {runs?.length === 0 ? <p className="muted">No other runs yet.</p> : null}
      {runs?.map((run) => (
        <RunCard
          key={run.id}
          run={run}
          live={false}
          callError={snapshot.callErrors.get(run.id)}
          models={models}
          tracker={tracker}
        />
      ))}
    </section>
  );
}
