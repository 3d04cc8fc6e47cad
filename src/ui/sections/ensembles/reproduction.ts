// Runs on the page: "Reproduce the paper" (Fig. 8) in the tab, as the CLI's `reproduce` does it:
// K independent base models (DE) and K simplexes of three vertices, each grown from a further base
// model (ESPRO: an ensemble run of one component and two added vertices), trained one after another
// as ordinary runs through the run tracker; then the Ensembles evaluation of each method's members
// in order, and the report of both for k = 1…K with what the members cost. Lives outside React,
// one per engine client, as the quick start does.

import type { EnsembleEvalParams } from '../../../protocol/commands/ensembles';
import type { RunRecord } from '../../../protocol/commands/train';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import {
  memberCost,
  rowsFromEnsembleReport,
  type MemberCost,
  type ReproduceMember,
  type ReproduceMethod,
  type ReproduceReport,
} from '../../../protocol/reproduceReport';
import { presetSettings, type Preset, type TrainSettings } from '../../../protocol/settings';
import type { EngineClient } from '../../engineClient';
import { runTrackerFor, type RunTracker } from '../train/runTracker';
import { perClient } from '../../engineContext';

export interface ReproductionPlan {
  datasetId: string;
  datasetName: string;
  classes: number;
  members: number;
  seed: number;
  preset: Preset;
  /** Base epochs of every base model (DE members and ESPRO's), and training images (0: all). */
  baseEpochs: number;
  trainLimit: number;
  /** Points drawn on each ESPRO simplex. */
  points: number;
}

export interface MemberState {
  label: string;
  method: ReproduceMethod;
  index: number;
  state: 'waiting' | 'training' | 'done' | 'failed' | 'stopped';
  runId: string | null;
}

export type ReproductionState =
  | { phase: 'idle' }
  | { phase: 'training' | 'evaluating'; members: MemberState[] }
  | { phase: 'done'; members: MemberState[]; report: ReproduceReport }
  | { phase: 'cancelled' | 'failed'; members: MemberState[]; error: ErrorInfo | null };

/** A member's run settings: the preset's, with the plan's seed, epochs and images. */
export function memberSettings(
  plan: ReproductionPlan,
  method: ReproduceMethod,
  index: number,
): TrainSettings {
  const procedure = method === 'DE' ? 'base' : 'ensemble';
  const preset = presetSettings(plan.preset, procedure, plan.datasetId, plan.classes);
  return {
    ...preset,
    // DE members and ESPRO's base models never share a seed (as the CLI's reproduce).
    seed: 1000 * plan.seed + (method === 'DE' ? 0 : 500) + index,
    baseEpochs: plan.baseEpochs,
    trainLimit: plan.trainLimit,
    ...(method === 'ESPRO' ? { components: 1, vertices: 2 } : {}),
    modes: [],
  };
}

export class Reproduction {
  private state: ReproductionState = { phase: 'idle' };
  private readonly listeners = new Set<() => void>();
  private cancelled = false;
  private current: string | null = null;
  /** Aborts the evaluation in flight. */
  private abort: AbortController | null = null;

  constructor(
    private readonly client: EngineClient,
    private readonly tracker: RunTracker,
  ) {}

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getSnapshot = (): ReproductionState => this.state;

  async start(plan: ReproductionPlan): Promise<void> {
    if (this.state.phase === 'training' || this.state.phase === 'evaluating') return;
    this.cancelled = false;
    const members: MemberState[] = (['DE', 'ESPRO'] as const).flatMap((method) =>
      Array.from({ length: plan.members }, (_, i) => ({
        label: `${method} ${i + 1}`,
        method,
        index: i + 1,
        state: 'waiting' as const,
        runId: null,
      })),
    );
    this.set({ phase: 'training', members });
    const finished = new Map<string, RunRecord>();
    for (const [m, member] of members.entries()) {
      const run = await this.train(plan, members, m);
      if (!run) return;
      finished.set(member.label, run);
    }
    this.set({ phase: 'evaluating', members: this.members() });
    try {
      const rows = [];
      let testImages = 0;
      for (const method of ['DE', 'ESPRO'] as const) {
        const runs = members
          .filter((m) => m.method === method)
          .map((m) => finished.get(m.label) as RunRecord);
        const params: EnsembleEvalParams = {
          components: runs.map((r) => ({ modelId: r.modelIds[0] as string, simplex: 0 })),
          datasetId: plan.datasetId,
          pointsPerSimplex: method === 'DE' ? 1 : plan.points,
          testLimit: 0,
          heldOut: 0,
          noise: false,
          seed: plan.seed,
          batchSize: 128,
        };
        this.abort = new AbortController();
        const report = await this.client.call('evaluateEnsemble', params, { signal: this.abort.signal });
        testImages = report.testImages;
        const costs: MemberCost[] = runs.map((r) => memberCost(r.history.epochs, r.settings.batchSize));
        rows.push(...rowsFromEnsembleReport(report, method, plan.seed, costs));
      }
      const reportMembers: ReproduceMember[] = members.map((m) => ({
        id: `seed-${plan.seed}/${m.method === 'DE' ? 'de' : 'espro'}-${m.index}`,
        seed: plan.seed,
        method: m.method,
        index: m.index,
        state: 'finished',
      }));
      this.set({
        phase: 'done',
        members: this.members(),
        report: {
          preset: plan.preset,
          dataset: plan.datasetName,
          testImages,
          points: plan.points,
          rows,
          members: reportMembers,
          createdAt: new Date().toISOString(),
        },
      });
    } catch (err) {
      this.set(
        this.wasCancelled()
          ? { phase: 'cancelled', members: this.members(), error: null }
          : { phase: 'failed', members: this.members(), error: toErrorInfo(err) },
      );
    }
  }

  /** Stops the member training now; the reproduction ends there (finished runs stay in Runs). */
  async cancel(): Promise<void> {
    this.cancelled = true;
    this.abort?.abort();
    if (this.current) await this.tracker.stop(this.current);
  }

  /** Read through a call: Cancel sets the flag while start() awaits. */
  private wasCancelled(): boolean {
    return this.cancelled;
  }

  private members(): MemberState[] {
    return 'members' in this.state ? this.state.members : [];
  }

  private setMember(m: number, patch: Partial<MemberState>): void {
    const members = this.members().map((x, i) => (i === m ? { ...x, ...patch } : x));
    this.set({ ...this.state, members } as ReproductionState);
  }

  /** One member's run to its end: the finished run, or null with the state saying why not. */
  private async train(plan: ReproductionPlan, members: MemberState[], m: number): Promise<RunRecord | null> {
    const member = members[m] as MemberState;
    try {
      const created = await this.tracker.start(
        memberSettings(plan, member.method, member.index),
        `Reproduce (seed ${plan.seed}): ${member.label}`,
      );
      this.current = created.id;
      this.setMember(m, { state: 'training', runId: created.id });
      if (this.wasCancelled()) await this.tracker.stop(created.id);
      const { run, error } = await this.tracker.ended(created.id);
      this.current = null;
      if (run.status === 'done' && run.modelIds.length > 0) {
        this.setMember(m, { state: 'done' });
        return run;
      }
      const stopped = this.wasCancelled() || run.status === 'stopped';
      this.setMember(m, { state: stopped ? 'stopped' : 'failed' });
      this.set(
        stopped
          ? { phase: 'cancelled', members: this.members(), error: null }
          : {
              phase: 'failed',
              members: this.members(),
              error: error ??
                run.error ?? {
                  code: 'INTERNAL',
                  message: `${member.label} ended as “${run.status}”.`,
                  recoverable: true,
                },
            },
      );
    } catch (err) {
      this.setMember(m, { state: 'failed' });
      this.set({ phase: 'failed', members: this.members(), error: toErrorInfo(err) });
    }
    return null;
  }

  private set(state: ReproductionState): void {
    this.state = state;
    for (const listener of this.listeners) listener();
  }
}

/** One reproduction per engine client, so the card shows it wherever the section is opened. */
export const reproductionFor = perClient((client) => new Reproduction(client, runTrackerFor(client)));
