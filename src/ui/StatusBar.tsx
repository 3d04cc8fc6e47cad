// Runs on the page: which compute backend the worker really uses, and what that means for speed.

import type { BackendInfo } from '../protocol/backend';
import type { ErrorInfo } from '../protocol/errors';

export function describeBackend(backend: BackendInfo): string {
  if (backend.name === 'webgpu' && backend.adapter) {
    const { vendor, architecture, software } = backend.adapter;
    const base = `webgpu · ${vendor} ${architecture}`;
    // Measured on a 2-core machine without a GPU: WebGL on SwiftShader's GL trained 4.7× faster.
    return software ? `${base} — software adapter: training will be slow (try ?backend=webgl)` : base;
  }
  return backend.name;
}

export function StatusBar({ backend, error }: { backend: BackendInfo | null; error: ErrorInfo | null }) {
  return (
    <footer className="status-bar" role="status">
      <span data-testid="backend-status">
        {backend ? `Backend: ${describeBackend(backend)}` : error ? 'Backend: none' : 'Backend: starting…'}
      </span>
      {backend?.forced ? <span className="muted"> (forced by ?backend=)</span> : null}
      {backend ? (
        <span className="muted" data-testid="conv-gradients">
          {' '}
          · conv gradients: {backend.convGradients}
          {backend.convGradientsForced ? ' (forced by ?conv=)' : ''}
        </span>
      ) : null}
      {backend && backend.fallbackReasons.length > 0 ? (
        <span className="muted" data-testid="backend-fallback">
          {' '}
          — fell back because {backend.fallbackReasons.join('; ')}
        </span>
      ) : null}
      {error ? (
        <span className="error" data-testid="engine-error">
          {' '}
          {error.message}
        </span>
      ) : null}
      {error?.code === 'DEVICE_LOST' ? (
        // A new device comes only with a new worker; runs resume from their checkpoints.
        <>
          {' '}
          <button
            type="button"
            onClick={() => {
              window.location.reload();
            }}
          >
            Reload
          </button>
        </>
      ) : null}
    </footer>
  );
}
