// Runs in the worker: the only place that posts to the page, and the table of running requests.

import type { WorkerEvent } from '../protocol/messages';

declare const self: DedicatedWorkerGlobalScope;

const running = new Map<number, AbortController>();

export function postEvent(event: WorkerEvent): void {
  self.postMessage(event);
}

export function trackRequest(id: number): AbortSignal {
  const controller = new AbortController();
  running.set(id, controller);
  return controller.signal;
}

export function finishRequest(id: number): void {
  running.delete(id);
}

export function cancelRequest(id: number): boolean {
  const controller = running.get(id);
  if (!controller) return false;
  controller.abort();
  return true;
}
