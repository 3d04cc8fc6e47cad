// Runs on the page: the run's estimated duration before Start, at the rate the latest run of the
// same architecture, width and batch measured here (or the start-up warm-up), else "unknown".

import { useSyncExternalStore } from 'react';
import type { DatasetInfo } from '../../../protocol/commands/data';
import { runWork, type TrainSettings } from '../../../protocol/settings';
import { useEngine } from '../../engineContext';
import { formatDuration } from './format';
import type { RunTracker } from './runTracker';
import { estimatedSeconds, measuredRate } from './settingsForm';

export function RunEstimate({
  settings,
  dataset,
  tracker,
}: {
  settings: TrainSettings;
  dataset: DatasetInfo;
  tracker: RunTracker;
}) {
  const { backend } = useEngine();
  const { runs } = useSyncExternalStore(tracker.subscribe, tracker.getSnapshot);
  const rate = measuredRate(settings, runs ?? [], backend?.choice?.rates[backend.name]);
  return (
    <p className="muted" data-testid="run-estimate">
      {rate
        ? `About ${formatDuration(estimatedSeconds(runWork(settings, dataset.splits.train.count, dataset.splits.test.count), rate))} at ${rate.imagesPerSecond.toFixed(1)} images/s, as ${rate.source} measured on this machine.`
        : 'Time unknown until a run of this architecture, width and batch size has trained on this machine.'}
    </p>
  );
}
