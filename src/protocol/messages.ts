// The one protocol between page and worker. Each command names its params, result and progress
// types in CommandMap; the worker must have a handler for every key (a missing one is a compile
// error there), and the client's call() is typed by the same map. Errors cross as ErrorInfo.

import type { BackendChoice, BackendInfo, BackendName, ConvGradientsName, StepName } from './backend';
import type { ErrorInfo } from './errors';
import type { DataCommands } from './commands/data';
import type { EnsembleCommands } from './commands/ensembles';
import type { ModelCommands } from './commands/models';
import type { TrainCommands } from './commands/train';
import type { SurfaceCommands } from './commands/surfaces';
import type { LandscapeCommands } from './commands/landscapes';
import type { BenchCommands } from './commands/bench';

/** Commands every later feature builds on. Feature command maps are merged into CommandMap. */
export interface CoreCommands {
  /** Start tfjs on the preferred backend (or the forced one); answers what it got. */
  init: {
    params: {
      backend: BackendName | null;
      convGradients: ConvGradientsName | null;
      /** ?step=…: the training step, when forced. */
      step?: StepName | null;
      /** The verdict of an earlier measured choice, remembered by the page. */
      remembered?: BackendChoice | null;
    };
    result: BackendInfo;
    progress: never;
  };
  /** Multiply two row-major matrices on the active backend: a round trip through real kernels. */
  matmul: {
    params: { a: number[]; b: number[]; m: number; k: number; n: number };
    result: { values: number[]; backend: BackendName };
    progress: never;
  };
  /** Stop a running command by its request id. */
  cancel: { params: { target: number }; result: { cancelled: boolean }; progress: never };
}

export type CommandMap = CoreCommands &
  ModelCommands &
  DataCommands &
  TrainCommands &
  BenchCommands &
  EnsembleCommands &
  SurfaceCommands &
  LandscapeCommands;
export type CommandName = keyof CommandMap;
export type Params<K extends CommandName> = CommandMap[K]['params'];
export type Result<K extends CommandName> = CommandMap[K]['result'];
export type Progress<K extends CommandName> = CommandMap[K]['progress'];

/** A request: the id is chosen by the page and echoed on every event about it. */
export type Command = { [K in CommandName]: { id: number; type: K; params: Params<K> } }[CommandName];
export type CommandOf<K extends CommandName> = Extract<Command, { type: K }>;

export type WorkerEvent =
  | { [K in CommandName]: { type: 'progress'; id: number; command: K; progress: Progress<K> } }[CommandName]
  | { [K in CommandName]: { type: 'result'; id: number; command: K; result: Result<K> } }[CommandName]
  | { type: 'error'; id: number; error: ErrorInfo }
  /** Not tied to a request: the GPU went away (driver reset, out of memory). */
  | { type: 'deviceLost'; error: ErrorInfo };
