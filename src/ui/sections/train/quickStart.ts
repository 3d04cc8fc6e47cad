// Runs on the page: drives the quick start (quickStartPlan.ts) through the run tracker: the base
// run, then the simplex grown from its model, then a request that opens Surfaces on the face.
// Sections unmount when hidden, so it lives outside React, one per engine client, as the run
// tracker does; cards read it through useSyncExternalStore. Each stage is an ordinary run.

import type { RunRecord } from '../../../protocol/commands/train';
import type { WarmUpRates } from '../../../protocol/commands/bench';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import type { EngineClient } from '../../engineClient';
import { requestSurface } from '../surfaces/surfaceRequest';
import { QUICK_START_NAMES, QUICK_START_SURFACE, quickStartSettings } from './quickStartPlan';
import { runTrackerFor, type RunTracker } from './runTracker';
import { perClient } from '../../engineContext';

/** The warm-up that measures this machine, then the two runs. */
export type QuickStartStage = 'measure' | 'base' | 'simplex';

export type QuickStartState =
  | { phase: 'idle' }
  /** `runId` is null while the stage's run is being created. */
  | { phase: 'running'; stage: QuickStartStage; runId: string | null; startedAt: number }
  | { phase: 'done'; modelId: string; seconds: number }
  | { phase: 'cancelled'; stage: QuickStartStage }
  | { phase: 'failed'; stage: QuickStartStage; error: ErrorInfo };

export interface QuickStartSnapshot {
  state: QuickStartState;
  /** A warm-up at the quick start's sizes (null: not measured or it failed). */
  warmUp: WarmUpRates | null;
  measureFailed: boolean;
}

export class QuickStart {
  private snapshot: QuickStartSnapshot = {
    state: { phase: 'idle' },
    warmUp: null,
    measureFailed: false,
  };
  private readonly listeners = new Set<() => void>();
  private cancelled = false;

  constructor(
    private readonly client: EngineClient,
    private readonly tracker: RunTracker,
  ) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): QuickStartSnapshot => this.snapshot;

  /**
   * Measures this machine (a warm-up at the quick start's sizes: on a software adapter it takes
   * most of a minute, so it runs on the click, not on every page load), shows the estimate, then
   * runs the two training stages and requests the surface. Resolves when the surface is requested
   * or the quick start ends early.
   */
  async start(): Promise<void> {
    if (this.snapshot.state.phase === 'running') return;
    this.cancelled = false;
    const startedAt = performance.now();
    this.set({ state: { phase: 'running', stage: 'measure', runId: null, startedAt } });
    if (this.snapshot.warmUp === null) {
      try {
        const warmUp = await this.client.call('warmUp', { batchSize: quickStartSettings('base').batchSize });
        this.set({ warmUp, measureFailed: false });
      } catch {
        // The runs say what is wrong with the backend, if anything; the estimate stays unknown.
        this.set({ measureFailed: true });
      }
    }
    if (this.wasCancelled()) {
      this.set({ state: { phase: 'cancelled', stage: 'measure' } });
      return;
    }
    const base = await this.stage('base', startedAt, quickStartSettings('base'), QUICK_START_NAMES.base);
    const modeId = base?.modelIds[0];
    if (!modeId) return;
    const simplex = await this.stage(
      'simplex',
      startedAt,
      quickStartSettings('simplex', modeId),
      QUICK_START_NAMES.simplex,
    );
    const modelId = simplex?.modelIds[0];
    if (!modelId) return;
    this.set({ state: { phase: 'done', modelId, seconds: (performance.now() - startedAt) / 1000 } });
    requestSurface({ modelId, face: [0, 1, 2], settings: QUICK_START_SURFACE });
  }

  /** Stops the stage's run at its next step; the quick start ends there. */
  async cancel(): Promise<void> {
    const { state } = this.snapshot;
    if (state.phase !== 'running') return;
    this.cancelled = true;
    if (state.runId) await this.tracker.stop(state.runId);
  }

  /** Read through a call: Cancel sets the flag while start() awaits. */
  private wasCancelled(): boolean {
    return this.cancelled;
  }

  /** One stage's run to its end: the finished run, or null with the state saying why not. */
  private async stage(
    stage: Exclude<QuickStartStage, 'measure'>,
    startedAt: number,
    settings: Parameters<RunTracker['start']>[0],
    name: string,
  ): Promise<RunRecord | null> {
    this.set({ state: { phase: 'running', stage, runId: null, startedAt } });
    try {
      const created = await this.tracker.start(settings, name);
      this.set({ state: { phase: 'running', stage, runId: created.id, startedAt } });
      // Cancelled while the run was being created: it has started by now, so stop it.
      if (this.cancelled) await this.tracker.stop(created.id);
      const { run, error } = await this.tracker.ended(created.id);
      if (run.status === 'done' && run.modelIds.length > 0) return run;
      if (this.cancelled || run.status === 'stopped') {
        this.set({ state: { phase: 'cancelled', stage } });
        return null;
      }
      this.set({
        state: {
          phase: 'failed',
          stage,
          error: error ??
            run.error ?? {
              code: 'INTERNAL',
              message: `The run ended as “${run.status}” without a model.`,
              recoverable: true,
            },
        },
      });
    } catch (err) {
      this.set({ state: { phase: 'failed', stage, error: toErrorInfo(err) } });
    }
    return null;
  }

  private set(patch: Partial<QuickStartSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of this.listeners) listener();
  }
}

/** One quick start per engine client, so every card shows the same one. */
export const quickStartFor = perClient((client) => new QuickStart(client, runTrackerFor(client)));
