// Runs on the page: what a user can do about each way a worker call can fail. A training run
// has checkpoints to resume from; any other task (an import, a surface, an evaluation) is
// simply done again, so the advice names the way back for each.

import type { ErrorInfo } from '../../protocol/errors';

/** 'run': a training run (it resumes from its last checkpoint); 'task': anything else. */
export type AdviceContext = 'run' | 'task';

export function errorAdvice(error: ErrorInfo, context: AdviceContext): string | null {
  const run = context === 'run';
  switch (error.code) {
    case 'NAN_LOSS':
    case 'DIVERGED':
      return 'The run diverged; it stopped and kept its last good checkpoint. Start a new run with a lower learning rate (the reference’s 0.05 is for batches of 128: scale it with the batch size), or mean over draws.';
    case 'DEVICE_LOST':
      return run
        ? 'The GPU went away, often from running out of memory. Reload the tab and Resume: the run goes on from its last checkpoint. A smaller width scale or batch size needs less memory.'
        : 'The GPU went away, often from running out of memory. Reload the tab and try again; fewer images or points need less memory.';
    case 'QUOTA_EXCEEDED':
      return run
        ? 'Storage is full. Delete old runs, models or datasets, then Resume: the last checkpoint is intact.'
        : 'Storage is full. Delete old runs, models or datasets in their sections, then try again.';
    case 'BAD_CHECKPOINT':
      return 'The stored checkpoint does not fit these settings; start a new run.';
    case 'BAD_SETTINGS':
      return run
        ? 'Change the setting the message names and start a new run.'
        : 'Change the setting the message names and try again.';
    case 'NOT_FOUND':
      return run
        ? 'It may have been deleted in another tab; the list below is current.'
        : 'It may have been deleted in another tab; reload the list and pick again.';
    case 'STORAGE':
      return run
        ? 'The browser storage failed. Reload the tab and Resume from the last checkpoint.'
        : 'The browser storage failed. Reload the tab and try again.';
    default:
      return null;
  }
}
