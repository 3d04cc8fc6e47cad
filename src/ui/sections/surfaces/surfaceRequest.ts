// Runs on the page: a request from another section to open Surfaces on one face of one model and
// compute it there (the quick start's last step). The Surfaces section mounts only while shown, so
// the request waits here until the section settles it; one request at a time, the newest wins.

import { useEffect, useRef, useState } from 'react';
import type { ModelSummary } from '../../../protocol/commands/models';
import type { FaceIndices, SurfaceSettings } from '../../../protocol/commands/surfaces';

export interface SurfaceRequest {
  modelId: string;
  face: FaceIndices;
  /** Settings that differ from the section's current ones (e.g. a 21×21 grid). */
  settings: Partial<SurfaceSettings>;
}

let pending: SurfaceRequest | null = null;
const listeners = new Set<() => void>();

/** Stores the request and shows the Surfaces section, which computes the face and settles it. */
export function requestSurface(request: SurfaceRequest): void {
  pending = request;
  for (const listener of listeners) listener();
  window.location.hash = 'surfaces';
}

/** The pending request (the same object until it is settled or replaced). */
export function useSurfaceRequest(): SurfaceRequest | null {
  const [request, setRequest] = useState<SurfaceRequest | null>(pending);
  useEffect(() => {
    const listener = () => {
      setRequest(pending);
    };
    listeners.add(listener);
    listener();
    return () => {
      listeners.delete(listener);
    };
  }, []);
  return request;
}

/** Called once the section has acted on the request, so that a later visit does not repeat it. */
export function settleSurfaceRequest(request: SurfaceRequest): void {
  if (pending === request) pending = null;
}

/**
 * Calls `open` once for each request, as soon as the library is listed (`models` not null), and
 * settles it. The ref keeps a remount of the section from opening the same request twice.
 */
export function useOpenSurfaceRequest(
  models: ModelSummary[] | null,
  open: (models: ModelSummary[], request: SurfaceRequest) => void,
): void {
  const request = useSurfaceRequest();
  const handled = useRef<SurfaceRequest | null>(null);
  useEffect(() => {
    if (!request || handled.current === request || models === null) return;
    handled.current = request;
    settleSurfaceRequest(request);
    open(models, request);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- acts once per request, on the state it finds
  }, [request, models]);
}
