// Runs on the page: every stored run, newest first. One list, so a run's card (and its open
// charts) stays in place when it stops training. Ticked runs are overlaid above the list.

import { useMemo, useState } from 'react';
import type { ModelSummary } from '../../../protocol/commands/models';
import type { RunsSnapshot, RunTracker } from './runTracker';
import { RunCard } from './RunCard';
import { RunsOverlay } from './RunsOverlay';
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
  const [compared, setCompared] = useState<ReadonlySet<string>>(new Set());
  // In the order ticked, so a run keeps its colour as others are added; deleted runs drop out.
  const comparedRuns = useMemo(
    () => [...compared].flatMap((id) => runs?.filter((r) => r.id === id) ?? []),
    [compared, runs],
  );
  const compare = (id: string, on: boolean) => {
    setCompared((set) => {
      const next = new Set(set);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  };
  return (
    <section className="runs-list" aria-labelledby="runs-heading">
      <h3 id="runs-heading">Runs</h3>
      {snapshot.listError ? <ErrorNotice error={snapshot.listError} /> : null}
      {runs === null ? <p className="muted">Loading runs…</p> : null}
      {runs?.length === 0 ? <p className="muted">No runs yet.</p> : null}
      {comparedRuns.length > 0 ? (
        <RunsOverlay
          runs={comparedRuns}
          onClear={() => {
            setCompared(new Set());
          }}
        />
      ) : null}
      {runs?.map((run) => (
        <RunCard
          key={run.id}
          run={run}
          live={snapshot.live.has(run.id)}
          starting={snapshot.starting.has(run.id)}
          callError={snapshot.callErrors.get(run.id)}
          models={models}
          tracker={tracker}
          compared={compared.has(run.id)}
          onCompare={(on) => {
            compare(run.id, on);
          }}
        />
      ))}
    </section>
  );
}
