// Runs on the page: the backend menu's two ways of restarting the worker, and the measured
// choice between wasm and WebGL remembered per browser profile (localStorage), so only the first
// start without a GPU pays for the warm-up. A reload makes the new worker; runs in progress
// resume from their last checkpoint.

import type { BackendChoice, BackendName } from '../protocol/backend';
import { isBackendName } from '../protocol/backend';

const KEY = 'simplex-studio.backend-choice';

export function rememberedChoice(): BackendChoice | null {
  try {
    const raw = window.localStorage.getItem(KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<BackendChoice>;
    if (!isBackendName(value.winner ?? null) || typeof value.measuredAt !== 'string') return null;
    return {
      winner: value.winner as BackendName,
      rates: value.rates ?? {},
      measuredAt: value.measuredAt,
      remembered: true,
    };
  } catch {
    return null;
  }
}

export function rememberChoice(choice: BackendChoice): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify({ ...choice, remembered: true }));
  } catch {
    // Storage refused (private mode, quota): the next start measures again.
  }
}

/** Restarts the studio on `backend` (null: the default choice, measuring again if `remeasure`). */
export function switchBackend(backend: BackendName | null, remeasure = false): void {
  if (remeasure) window.localStorage.removeItem(KEY);
  const url = new URL(window.location.href);
  if (backend) url.searchParams.set('backend', backend);
  else url.searchParams.delete('backend');
  window.location.assign(url.toString());
}
