// Runs on the page: folds the train command's streamed updates into the run record the page
// draws. Pure: the worker's record is the truth, this only keeps the page's copy current between
// the full records it sends.

import type {
  EpochPoint,
  RunRecord,
  RunUpdate,
  StepPoint,
  TrainHistory,
} from '../../../protocol/commands/train';
import type { ErrorCode } from '../../../protocol/errors';

export function applyRunUpdate(run: RunRecord, update: RunUpdate): RunRecord {
  switch (update.kind) {
    case 'status':
      return { ...update.run, history: newerHistory(run.history, update.run.history) };
    case 'steps':
      return {
        ...run,
        progress: update.progress,
        history: { ...run.history, steps: appendByStep(run.history.steps, update.point) },
      };
    case 'epoch':
      return {
        ...run,
        progress: update.progress,
        history: { ...run.history, epochs: appendByStep(run.history.epochs, update.point) },
      };
    case 'stage':
      return { ...run, stage: update.stage, stageLabel: update.label, progress: update.progress };
    default: {
      const unknown: never = update;
      throw new Error(`Unknown run update ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * The worker's record carries the history of its last checkpoint; the page has also seen the
 * steps since. The longer one wins, so pausing does not pull the charts back by an epoch (after a
 * resume, replayed points replace the stale ones as they arrive, see appendByStep).
 */
function newerHistory(page: TrainHistory, worker: TrainHistory): TrainHistory {
  const last = (h: TrainHistory) => Math.max(h.steps.at(-1)?.step ?? -1, h.epochs.at(-1)?.step ?? -1);
  return last(worker) >= last(page) ? worker : page;
}

/**
 * Appends a point; after a resume the worker replays from the last checkpoint, so points at or
 * past the new one's step are stale and dropped first (the chart never doubles back).
 */
function appendByStep<P extends StepPoint | EpochPoint>(points: P[], point: P): P[] {
  const last = points.at(-1);
  if (!last || last.step < point.step) return [...points, point];
  return [...points.filter((p) => p.step < point.step), point];
}

const RESUMABLE_FAILURES = new Set<ErrorCode>(['DEVICE_LOST', 'QUOTA_EXCEEDED', 'STORAGE']);

/** Statuses a train call can pick up again from the last checkpoint. */
export function canResume(run: RunRecord): boolean {
  switch (run.status) {
    case 'created':
    case 'interrupted':
    case 'stopped':
      return true;
    case 'failed':
      // Only failures outside the run itself: a NaN loss or bad settings would recur from the
      // same checkpoint and seed; a lost device or a full disk need not.
      return run.error !== null && RESUMABLE_FAILURES.has(run.error.code);
    // A diverged run would diverge again from the same checkpoint and seed.
    case 'running':
    case 'paused':
    case 'done':
    case 'diverged':
      return false;
    default: {
      const unknown: never = run.status;
      throw new Error(`Unknown run status ${String(unknown)}`);
    }
  }
}
