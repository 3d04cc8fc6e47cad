// Runs in the worker. The shape every command handler has; a feature exports Handlers<ItsCommands>.

import type { CommandName, Params, Progress, Result } from '../../protocol/messages';

export interface HandlerContext<K extends CommandName> {
  id: number;
  /** Aborted when the page sends `cancel` for this id. */
  signal: AbortSignal;
  progress(value: Progress<K>): void;
}

export type Handler<K extends CommandName> = (
  params: Params<K>,
  ctx: HandlerContext<K>,
) => Promise<Result<K>>;

export type Handlers<M> = { [K in keyof M & CommandName]: Handler<K> };
