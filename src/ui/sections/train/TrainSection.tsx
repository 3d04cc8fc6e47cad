// Runs on the page: the Train section: start a run, then the list of runs, the one training now
// first (newest first) with its live charts. All training happens in the worker; this only sends commands and draws updates.

import { QuickStartCard } from './QuickStartCard';
import { RunsList } from './RunsList';
import { StartRunForm } from './StartRunForm';
import { useLibrary } from './useLibrary';
import { useRuns } from './useRuns';
import './train.css';
import { ErrorNotice } from '../../components/ErrorNotice';

export function TrainSection() {
  const { tracker, snapshot } = useRuns();
  // A finished run adds models to the library: list it again when the count of done runs changes.
  const finished = snapshot.runs?.filter((r) => r.status === 'done').length ?? 0;
  const library = useLibrary(finished);

  return (
    <div className="train-section">
      {library.error ? <ErrorNotice error={library.error} /> : null}
      <QuickStartCard datasets={library.datasets} />
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
            snapshot.live.size > 0
              ? 'One run trains at a time: let it finish or stop it to start another.'
              : null
          }
        />
      )}
      <RunsList snapshot={snapshot} models={library.models} tracker={tracker} />
    </div>
  );
}
