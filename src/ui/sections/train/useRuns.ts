// Runs on the page: the run tracker as React state; lists the stored runs on first use.

import { useEffect, useSyncExternalStore } from 'react';
import { onChanged } from '../../changes';
import { useEngine } from '../../engineContext';
import { runTrackerFor, type RunTracker, type RunsSnapshot } from './runTracker';

export function useRuns(): { tracker: RunTracker; snapshot: RunsSnapshot } {
  const { client } = useEngine();
  const tracker = runTrackerFor(client);
  const snapshot = useSyncExternalStore(tracker.subscribe, tracker.getSnapshot);
  useEffect(() => {
    void tracker.refresh();
    // Runs trained, stopped or deleted in another tab (and this one's checkpoints) list again.
    return onChanged('runs', () => {
      void tracker.refresh();
    });
  }, [tracker]);
  return { tracker, snapshot };
}
