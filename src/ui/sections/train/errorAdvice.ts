// Runs on the page: what a user can do about each way a run can fail.

import type { ErrorInfo } from '../../../protocol/errors';

export function errorAdvice(error: ErrorInfo): string | null {
  switch (error.code) {
    case 'NAN_LOSS':
      return 'The run stopped and kept its last good checkpoint. Start a new run with a lower learning rate (or mean over draws).';
    case 'DEVICE_LOST':
      return 'The GPU went away, often from running out of memory. Reload the tab and Resume: the run goes on from its last checkpoint. A smaller width scale or batch size needs less memory.';
    case 'QUOTA_EXCEEDED':
      return 'Storage is full. Delete old runs, models or datasets, then Resume: the last checkpoint is intact.';
    case 'BAD_CHECKPOINT':
      return 'The stored checkpoint does not fit these settings; start a new run.';
    case 'BAD_SETTINGS':
      return 'Change the setting the message names and start a new run.';
    case 'NOT_FOUND':
      return 'It may have been deleted in another tab; the list below is current.';
    case 'STORAGE':
      return 'The browser storage failed. Reload the tab and Resume from the last checkpoint.';
    default:
      return null;
  }
}
