// Runs on the page: hears which stored lists changed, in this tab's worker or another tab's
// (protocol/changes.ts), and tells the views that show them to list again. A burst of changes
// (a run's checkpoints, an import's commits) becomes one refresh.

import { CHANGES_CHANNEL, isChangeMessage, type ChangedList } from '../protocol/changes';

const DEBOUNCE_MS = 150;
const listeners = new Map<ChangedList, Set<() => void>>();
const pending = new Set<ChangedList>();
let timer: ReturnType<typeof setTimeout> | null = null;
let channel: BroadcastChannel | null = null;

function flush(): void {
  timer = null;
  const lists = [...pending];
  pending.clear();
  for (const list of lists) for (const listener of listeners.get(list) ?? []) listener();
}

function listen(): void {
  if (channel || typeof BroadcastChannel === 'undefined') return;
  channel = new BroadcastChannel(CHANGES_CHANNEL);
  channel.onmessage = (event: MessageEvent<unknown>) => {
    if (!isChangeMessage(event.data)) return;
    for (const list of event.data.lists) pending.add(list);
    timer ??= setTimeout(flush, DEBOUNCE_MS);
  };
}

/** Calls `listener` after `list` changed anywhere in this browser profile; returns the unsubscribe. */
export function onChanged(list: ChangedList, listener: () => void): () => void {
  listen();
  let set = listeners.get(list);
  if (!set) {
    set = new Set();
    listeners.set(list, set);
  }
  set.add(listener);
  return () => {
    listeners.get(list)?.delete(listener);
  };
}
