// Runs in the worker: drives the engine's trainer for a stored run, persists a checkpoint after
// every epoch (with the run record, in one transaction), streams updates to the page, and puts
// finished models in the library. Pause holds the trainer at the next step; nothing is lost.

import type { RunRecord, RunStatus, RunUpdate, TrainCommands } from '../../protocol/commands/train';

import { pathPoint } from '../../engine/landscape/trainingPath';
import { StudioError } from '../../protocol/errors';
import { checkSettings, type TrainSettings } from '../../protocol/settings';
import type { RunningStatistics, TfVertex } from '../../engine/formats/layout';
import { modelSpecOf, trainRun, type ComponentState, type TrainStart } from '../../engine/train/trainer';
import { batchMaker, hostBatchMaker, type TrainingData } from '../../engine/train/trainingData';
import { activeCompiledStep, activeLogitsEvaluator, errorInfoOf } from '../backend';
import { getDataset, loadSplit, type LoadedSplit } from '../storage/datasets';
import { publicInfo } from '../storage/datasetWriter';
import { getModel, saveModel } from '../storage/models';
import {
  deleteRunRecords,
  getCheckpoint,
  getRun,
  listRunRecords,
  saveCheckpoint,
  saveRun,
} from '../storage/runs';
import type { HandlerContext, Handlers } from './types';
import { modeVertex, runModels } from '../library/runModel';

/** A run this worker is driving right now. */
class RunControl {
  paused = false;
  stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly run: RunRecord,
    readonly emit: (update: RunUpdate) => void,
  ) {}

  setPaused(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.release();
  }

  stop(): void {
    this.stopped = true;
    this.release();
  }

  /** Resolves at once unless paused; then when continued or stopped. */
  async gate(): Promise<void> {
    while (this.paused && !this.stopped) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private release(): void {
    this.wake?.();
    this.wake = null;
  }
}

const live = new Map<string, RunControl>();

/**
 * A run is trained by one worker at a time, across the tabs of a browser profile: the worker
 * training it holds this Web Lock, so another tab lists it as training there and refuses to start
 * it a second time (two workers would write the same checkpoints).
 */
const runLock = (runId: string) => `simplex-studio:run:${runId}`;

async function withRunLock<T>(runId: string, fn: () => Promise<T>): Promise<T> {
  if (typeof navigator.locks === 'undefined') return fn();
  return navigator.locks.request(runLock(runId), { ifAvailable: true }, async (lock) => {
    if (!lock) throw trainingElsewhere();
    return fn();
  });
}

function trainingElsewhere(): StudioError {
  return new StudioError(
    'BAD_ARGUMENT',
    'This run is training in another tab of this browser: pause, stop or watch it there (its progress shows here after each epoch).',
  );
}

/** Ids of the runs whose lock a worker holds (this one's included). */
async function lockedRuns(): Promise<Set<string>> {
  if (typeof navigator.locks === 'undefined') return new Set();
  const { held = [] } = await navigator.locks.query();
  const prefix = runLock('');
  return new Set(held.flatMap((l) => (l.name?.startsWith(prefix) ? [l.name.slice(prefix.length)] : [])));
}

export const trainHandlers: Handlers<TrainCommands> = {
  async createRun({ settings, name }) {
    checkSettings(settings);
    const now = Date.now();
    const run: RunRecord = {
      id: crypto.randomUUID(),
      name:
        name.trim() || `${settings.procedure} ${new Date(now).toISOString().slice(0, 16).replace('T', ' ')}`,
      settings,
      status: 'created',
      error: null,
      createdAt: now,
      updatedAt: now,
      stage: 0,
      stageLabel: '',
      progress: null,
      history: { steps: [], epochs: [] },
      checkpointStep: 0,
      modelIds: [],
    };
    await saveRun(run);
    return run;
  },

  async train({ runId }, ctx) {
    if (live.has(runId)) throw new StudioError('BAD_ARGUMENT', 'This run is already training in this tab.');
    return withRunLock(runId, () => trainRunHere(runId, ctx));
  },

  async pauseRun({ runId }) {
    const control = live.get(runId);
    control?.setPaused(true);
    return Promise.resolve({ paused: control !== undefined });
  },

  async continueRun({ runId }) {
    const control = live.get(runId);
    control?.setPaused(false);
    return Promise.resolve({ continued: control !== undefined });
  },

  async stopRun({ runId }) {
    const control = live.get(runId);
    control?.stop();
    return Promise.resolve({ stopped: control !== undefined });
  },

  async listRuns() {
    const [runs, locked] = await Promise.all([listRunRecords(), lockedRuns()]);
    return runs
      .map((run) => {
        const mine = live.get(run.id)?.run;
        if (mine) return mine;
        // Another tab's worker trains it: as stored (its last epoch), marked so.
        if (locked.has(run.id)) return { ...run, elsewhere: true };
        // Stored as running or paused but driven by no worker: the tab was reloaded or closed.
        const orphaned = run.status === 'running' || run.status === 'paused';
        return orphaned ? { ...run, status: 'interrupted' as const } : run;
      })
      .sort((a, b) => b.createdAt - a.createdAt);
  },

  async deleteRun({ runId }) {
    if (live.has(runId)) throw new StudioError('BAD_ARGUMENT', 'Stop the run before deleting it.');
    if ((await lockedRuns()).has(runId)) throw trainingElsewhere();
    await deleteRunRecords(runId);
    return { deleted: true };
  },
};

async function loadTrainingData(
  datasetId: string,
): Promise<TrainingData & { train: LoadedSplit; test: LoadedSplit }> {
  const id = datasetId;
  const [train, test] = await Promise.all([loadSplit(id, 'train'), loadSplit(id, 'test')]);
  return { numClasses: train.numClasses, train, test };
}

/**
 * The chosen modes' weights (single-vertex models of this run's architecture, width and classes),
 * and the first one's batch-norm statistics, which the run starts from.
 */
async function loadModes(
  settings: TrainSettings,
  numClasses: number,
): Promise<{ modes: TfVertex[]; statistics?: RunningStatistics }> {
  const spec = modelSpecOf(settings, numClasses);
  const modes: TfVertex[] = [];
  let statistics: RunningStatistics | undefined;
  for (const id of settings.modes) {
    const model = await getModel(id);
    modes.push(modeVertex(`The mode "${model.name}"`, model, spec));
    statistics ??= model.statistics;
  }
  return statistics ? { modes, statistics } : { modes };
}

/** Puts what the run made into the model library: one entry, or one per component (runModels). */
async function saveResults(
  run: RunRecord,
  components: ComponentState[],
  numClasses: number,
): Promise<string[]> {
  const dataset = publicInfo(await getDataset(run.settings.datasetId));
  const ids: string[] = [];
  for (const model of runModels(
    run,
    components,
    numClasses,
    { id: dataset.id, name: dataset.name },
    dataset.normalisation,
  )) {
    ids.push((await saveModel(model)).id);
  }
  return ids;
}

/** Trains (or resumes) a stored run in this worker, which holds its lock. */
async function trainRunHere(runId: string, ctx: HandlerContext<'train'>): Promise<RunRecord> {
  const run = await getRun(runId);
  if (run.status === 'done') throw new StudioError('BAD_ARGUMENT', 'This run has finished; start a new one.');
  const control = new RunControl(run, (update) => {
    ctx.progress(update);
  });
  live.set(runId, control);
  const setStatus = async (status: RunStatus) => {
    run.status = status;
    run.updatedAt = Date.now();
    await saveRun(run);
    control.emit({ kind: 'status', run: { ...run } });
  };
  try {
    const data = await loadTrainingData(run.settings.datasetId);
    const checkpoint = await getCheckpoint(runId);
    const start: TrainStart = checkpoint
      ? { kind: 'resume', checkpoint }
      : { kind: 'fresh', ...(await loadModes(run.settings, data.numClasses)) };
    run.error = null;
    await setStatus('running');
    // Inputs are normalised as the dataset says (CIFAR: the reference's values; IDX: measured).
    const normalisation = data.train.normalisation;
    const compiled = activeCompiledStep(hostBatchMaker(normalisation));
    const evaluator = activeLogitsEvaluator(normalisation);
    const events = trainRun(run.settings, data, start, {
      makeBatch: batchMaker(normalisation),
      ...(compiled ? { compiled } : {}),
      ...(evaluator ? { evaluator } : {}),
      interrupted: () => control.paused || control.stopped,
    });
    for await (const event of events) {
      switch (event.type) {
        case 'stage':
          run.stage = event.stage;
          run.stageLabel = event.label;
          run.progress = event.progress;
          control.emit({
            kind: 'stage',
            stage: event.stage,
            stageCount: event.stageCount,
            label: event.label,
            lambda: event.lambda,
            progress: event.progress,
          });
          break;
        case 'steps':
          run.progress = event.progress;
          control.emit({ kind: 'steps', point: event.point, progress: event.progress });
          break;
        case 'epoch':
          run.progress = event.progress;
          control.emit({ kind: 'epoch', point: event.point, progress: event.progress });
          break;
        case 'checkpoint':
          run.history = event.checkpoint.history;
          run.checkpointStep = event.checkpoint.step;
          run.updatedAt = Date.now();
          await saveCheckpoint(
            run,
            event.checkpoint,
            run.settings.keepPath
              ? pathPoint(
                  event.checkpoint.components[event.component] as ComponentState,
                  event.checkpoint.history.epochs.length,
                )
              : undefined,
          );
          break;
        case 'done':
          run.history = event.history;
          run.modelIds = await saveResults(run, event.components, data.numClasses);
          await setStatus('done');
          break;
        default: {
          const unknown: never = event;
          throw new StudioError('INTERNAL', `Unknown trainer event ${JSON.stringify(unknown)}`);
        }
      }
      if (control.paused) {
        await setStatus('paused');
        await control.gate();
        if (!control.stopped) await setStatus('running');
      }
      if (control.stopped || ctx.signal.aborted) {
        await events.return();
        await setStatus('stopped');
        break;
      }
    }
    return { ...run };
  } catch (err) {
    run.error = errorInfoOf(err);
    const diverged = run.error.code === 'NAN_LOSS' || run.error.code === 'DIVERGED';
    await setStatus(diverged ? 'diverged' : 'failed').catch(() => undefined);
    throw err;
  } finally {
    live.delete(runId);
  }
}
