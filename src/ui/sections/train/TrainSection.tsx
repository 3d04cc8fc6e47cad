// Runs on the page: the Train section: start a run, watch the runs training now, and the list of
// stored runs. All training happens in the worker; this only sends commands and draws updates.

import type { RunRecord } from '../../../protocol/commands/train';
import { RunCard } from './RunCard';
import { RunsList } from './RunsList';
import { StartRunForm } from './StartRunForm';
import { useLibrary } from './useLibrary';
import { useRuns } from './useRuns';
import './train.css';

export function TrainSection() {
  const { tracker, snapshot } = useRuns();
  // A finished run adds models to the library: list it again when the count of done runs changes.
  const finished = snapshot.runs?.filter((r) => r.status === 'done').length ?? 0;
  const library = useLibrary(finished);
  const liveRuns: RunRecord[] = snapshot.runs?.filter((r) => snapshot.live.has(r.id)) ?? [];

  return (
    <div className="train-section">
      {library.error ? (
        <p role="alert" className="error">
          {library.error.message}
        </p>
      ) : null}
      {library.datasets === null ? (
        <p className="card muted">
          {library.preparing ? 'Preparing the built-in synthetic dataset…' : 'Loading datasets…'}
        </p>
      ) : (
        <StartRunForm
          datasets={library.datasets}
          models={library.models}
          tracker={tracker}
          blocked={
            liveRuns.length > 0
              ? 'One run trains at a time: let it finish or stop it to start another.'
              : null
          }
        />
      )}
      {liveRuns.length > 0 ? (
        <section aria-labelledby="training-now-heading">
          <h3 id="training-now-heading">Training now</h3>
          {liveRuns.map((run) => (
            <RunCard
              key={run.id}
              run={run}
              live
              callError={snapshot.callErrors.get(run.id)}
              models={library.models}
              tracker={tracker}
            />
          ))}
        </section>
      ) : null}
      <RunsList snapshot={snapshot} models={library.models} tracker={tracker} />
    </div>
  );
}
