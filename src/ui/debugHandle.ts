// Runs on the page: `window.__studio` gives the console (and the browser tests) the same engine
// client the UI uses, so anything the UI can ask the worker can be asked by hand.

import type { EngineClient } from './engineClient';

declare global {
  interface Window {
    __studio?: { client: EngineClient };
  }
}

export function exposeDebugHandle(client: EngineClient): void {
  window.__studio = { client };
}
