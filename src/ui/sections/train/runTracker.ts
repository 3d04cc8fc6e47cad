// Runs on the page: the runs the worker stores, plus the train calls this page is driving. It
// lives outside React (one per engine client) so a run keeps streaming into its charts while
// the user looks at another section; components read it through useSyncExternalStore.

import type { RunRecord } from '../../../protocol/commands/train';
import type { TrainSettings } from '../../../protocol/settings';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import type { EngineClient } from '../../engineClient';
import { applyRunUpdate } from './runUpdates';
import { perClient } from '../../engineContext';

export interface RunsSnapshot {
  /** Newest first, as listRuns orders them; null until the first list arrives. */
  runs: RunRecord[] | null;
  /** Runs whose train call this page holds (their updates arrive live). */
  live: ReadonlySet<string>;
  /** Live runs the worker has not yet reported on (it is loading the data and the checkpoint):
   *  their stored status (interrupted, stopped…) is no longer what they are doing. */
  starting: ReadonlySet<string>;
  /** Per run: the last failure of a call from this page (train, pause, stop…). */
  callErrors: ReadonlyMap<string, ErrorInfo>;
  listError: ErrorInfo | null;
}

export class RunTracker {
  private snapshot: RunsSnapshot = {
    runs: null,
    live: new Set(),
    starting: new Set(),
    callErrors: new Map(),
    listError: null,
  };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly client: EngineClient) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): RunsSnapshot => this.snapshot;

  async refresh(): Promise<void> {
    try {
      const stored = await this.client.call('listRuns', {});
      // A run driven from this page is newer here than in storage (storage lags by an epoch).
      const mine = new Map((this.snapshot.runs ?? []).map((r) => [r.id, r]));
      const runs = stored.map((r) => (this.snapshot.live.has(r.id) ? (mine.get(r.id) ?? r) : r));
      this.set({ runs, listError: null });
    } catch (err) {
      this.set({ listError: toErrorInfo(err) });
    }
  }

  /** The run once this page no longer drives it, with the train call's failure if it had one. */
  ended(runId: string): Promise<{ run: RunRecord; error: ErrorInfo | undefined }> {
    return new Promise((resolve) => {
      const check = () => {
        const run = this.snapshot.runs?.find((r) => r.id === runId);
        if (this.snapshot.live.has(runId) || !run) return;
        unsubscribe();
        resolve({ run, error: this.snapshot.callErrors.get(runId) });
      };
      const unsubscribe = this.subscribe(check);
      check();
    });
  }

  /** createRun, then train; resolves once the run is stored (training goes on). */
  async start(settings: TrainSettings, name: string): Promise<RunRecord> {
    const run = await this.client.call('createRun', { settings, name });
    this.put(run);
    this.train(run.id);
    return run;
  }

  /** Trains (or resumes) a stored run, streaming its updates into the snapshot. */
  train(runId: string): void {
    if (this.snapshot.live.has(runId)) return;
    this.setLive(runId, true);
    this.setStarting(runId, true);
    this.setCallError(runId, null);
    this.client
      .call(
        'train',
        { runId },
        {
          onProgress: (update) => {
            this.setStarting(runId, false);
            const run = this.find(runId);
            if (run) this.put(applyRunUpdate(run, update));
            else if (update.kind === 'status') this.put(update.run);
          },
        },
      )
      .then(
        (run) => {
          this.put(run);
        },
        (err: unknown) => {
          this.setCallError(runId, toErrorInfo(err));
        },
      )
      .finally(() => {
        this.setLive(runId, false);
        this.setStarting(runId, false);
        void this.refresh();
      });
  }

  async pause(runId: string): Promise<void> {
    await this.control(runId, async () => {
      const { paused } = await this.client.call('pauseRun', { runId });
      if (paused) this.patchStatus(runId, 'paused');
    });
  }

  async resume(runId: string): Promise<void> {
    await this.control(runId, async () => {
      const { continued } = await this.client.call('continueRun', { runId });
      if (continued) this.patchStatus(runId, 'running');
    });
  }

  async stop(runId: string): Promise<void> {
    await this.control(runId, async () => {
      await this.client.call('stopRun', { runId });
    });
  }

  async remove(runId: string): Promise<void> {
    await this.control(runId, async () => {
      await this.client.call('deleteRun', { runId });
    });
    await this.refresh();
  }

  private async control(runId: string, action: () => Promise<void>): Promise<void> {
    this.setCallError(runId, null);
    try {
      await action();
    } catch (err) {
      this.setCallError(runId, toErrorInfo(err));
    }
  }

  private find(runId: string): RunRecord | undefined {
    return this.snapshot.runs?.find((r) => r.id === runId);
  }

  /** The status a control call's result implies, until the worker's next record confirms it. */
  private patchStatus(runId: string, status: RunRecord['status']): void {
    const run = this.find(runId);
    if (run && (run.status === 'running' || run.status === 'paused')) this.put({ ...run, status });
  }

  private put(run: RunRecord): void {
    const runs = this.snapshot.runs ?? [];
    const exists = runs.some((r) => r.id === run.id);
    this.set({ runs: exists ? runs.map((r) => (r.id === run.id ? run : r)) : [run, ...runs] });
  }

  private setLive(runId: string, live: boolean): void {
    this.set({ live: toggled(this.snapshot.live, runId, live) });
  }

  private setStarting(runId: string, starting: boolean): void {
    if (this.snapshot.starting.has(runId) !== starting) {
      this.set({ starting: toggled(this.snapshot.starting, runId, starting) });
    }
  }

  private setCallError(runId: string, error: ErrorInfo | null): void {
    if (!error && !this.snapshot.callErrors.has(runId)) return;
    const next = new Map(this.snapshot.callErrors);
    if (error) next.set(runId, error);
    else next.delete(runId);
    this.set({ callErrors: next });
  }

  private set(patch: Partial<RunsSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }
}

/** One tracker per engine client, so every component sees the same live runs. */
export const runTrackerFor = perClient((client) => new RunTracker(client));

function toggled(set: ReadonlySet<string>, id: string, on: boolean): Set<string> {
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}
