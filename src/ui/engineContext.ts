// Runs on the page: the worker client and the backend it reported, shared by every section.

import { createContext, useContext } from 'react';
import type { BackendInfo } from '../protocol/backend';
import type { EngineClient } from './engineClient';

export interface EngineState {
  client: EngineClient;
  /** Null until the worker has started tfjs. */
  backend: BackendInfo | null;
}

export const EngineContext = createContext<EngineState | null>(null);

export function useEngine(): EngineState {
  const state = useContext(EngineContext);
  if (!state) throw new Error('useEngine outside <EngineContext.Provider>');
  return state;
}

/**
 * A function that makes one T for each engine client and hands that same one back afterwards: the
 * stores that live outside React (run tracker, quick start, reproduction), one per client.
 */
export function perClient<T>(make: (client: EngineClient) => T): (client: EngineClient) => T {
  const made = new WeakMap<EngineClient, T>();
  return (client) => {
    let value = made.get(client);
    if (value === undefined) {
      value = make(client);
      made.set(client, value);
    }
    return value;
  };
}
