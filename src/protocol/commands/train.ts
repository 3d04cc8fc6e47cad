// Training commands and the run records the Train section draws. Plain data shared by page and
// worker; the engine's trainer produces these points, the worker stores them with each checkpoint.

import type { ErrorInfo } from '../errors';
import type { TrainSettings } from '../settings';

export interface StepPoint {
  /** Optimizer steps since the run began. */
  step: number;
  stage: number;
  /** 1-based within the stage. */
  epoch: number;
  /** Mean cross-entropy per draw over the steps since the previous point. */
  loss: number;
  /** Training accuracy of each step's first draw over those steps. */
  accuracy: number;
  lr: number;
}

export interface EpochPoint {
  stage: number;
  /** 1-based within the stage. */
  epoch: number;
  step: number;
  trainLoss: number;
  trainAccuracy: number;
  /** At one random point of the complex per test batch (what the reference logs as "test"). */
  testLoss: number;
  testAccuracy: number;
  /** The reference's volume of simplex 0, when it has two or more vertices. */
  volume: number | null;
  lambda: number;
  lr: number;
  seconds: number;
}

export interface TrainHistory {
  steps: StepPoint[];
  epochs: EpochPoint[];
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  stage: number;
  stageCount: number;
  stageStep: number;
  stageSteps: number;
  /** Images forward and backward per second (n_sample draws count separately). */
  imagesPerSecond: number;
  /** NaN until the speed is known. */
  secondsLeft: number;
}

/**
 * created → running ⇄ paused → done | stopped | failed. A run found 'running' or 'paused' after a
 * reload is 'interrupted' (no worker is driving it) and can be resumed from its last checkpoint.
 */
/** 'diverged': the loss became non-finite, or fell back to chance after learning (NAN_LOSS, DIVERGED). */
export type RunStatus =
  'created' | 'running' | 'paused' | 'interrupted' | 'stopped' | 'done' | 'failed' | 'diverged';

export interface RunRecord {
  id: string;
  name: string;
  settings: TrainSettings;
  status: RunStatus;
  error: ErrorInfo | null;
  createdAt: number;
  updatedAt: number;
  /** The stage in progress and its label, as of the last event. */
  stage: number;
  stageLabel: string;
  progress: TrainProgress | null;
  history: TrainHistory;
  /** Epochs completed and saved in the last checkpoint (0 = none yet). */
  checkpointStep: number;
  /** Model-library ids of what the run produced (set when done). */
  modelIds: string[];
  /** Training in another tab of this browser profile (listRuns says so; never stored). */
  elsewhere?: boolean;
}

/** What the train command streams while it runs. */
export type RunUpdate =
  | { kind: 'status'; run: RunRecord }
  | { kind: 'steps'; point: StepPoint; progress: TrainProgress }
  | { kind: 'epoch'; point: EpochPoint; progress: TrainProgress }
  | {
      kind: 'stage';
      stage: number;
      stageCount: number;
      label: string;
      lambda: number;
      /** The counters at the stage's start. */
      progress: TrainProgress;
    };

export interface TrainCommands {
  /** Stores a new run (not started). Settings are checked first (BAD_SETTINGS with the reason). */
  createRun: { params: { settings: TrainSettings; name: string }; result: RunRecord; progress: never };
  /**
   * Trains the run from its last checkpoint (or from the start) until it is done, stopped or
   * fails; streams updates. After every epoch the full state is checkpointed in one transaction.
   */
  train: { params: { runId: string }; result: RunRecord; progress: RunUpdate };
  /** Holds a running run at the next step boundary; `continue` lets it go on. */
  pauseRun: { params: { runId: string }; result: { paused: boolean }; progress: never };
  continueRun: { params: { runId: string }; result: { continued: boolean }; progress: never };
  /** Ends a running run after the current step; its last checkpoint stays. */
  stopRun: { params: { runId: string }; result: { stopped: boolean }; progress: never };
  /** Every run, newest first (with history, for the Runs list and charts). */
  listRuns: { params: Record<string, never>; result: RunRecord[]; progress: never };
  deleteRun: { params: { runId: string }; result: { deleted: boolean }; progress: never };
}
