// Runs on the page: the Start form's worker job: the tracker stores the run and the worker starts
// training it. Training itself is the tracker's to follow (runTracker.ts); this job ends when the
// run has started, or with the reason it could not.

import type { RunRecord } from '../../../protocol/commands/train';
import type { TrainSettings } from '../../../protocol/settings';
import { useWorkerJob, type WorkerJob } from '../../hooks/useWorkerJob';
import type { RunTracker } from './runTracker';

export type StartRun = WorkerJob<{ settings: TrainSettings; name: string }, never, RunRecord>;

export function useStartRun(tracker: RunTracker): StartRun {
  return useWorkerJob(({ settings, name }: { settings: TrainSettings; name: string }) =>
    tracker.start(settings, name),
  );
}
