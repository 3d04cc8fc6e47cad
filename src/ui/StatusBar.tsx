// Runs on the page: which compute backend the worker really uses, and what that means for speed.

import type { BackendInfo } from '../protocol/backend';
import { BACKENDS, isBackendName } from '../protocol/backend';
import type { ErrorInfo } from '../protocol/errors';
import { switchBackend } from './backendChoice';

export function describeBackend(backend: BackendInfo): string {
  if (backend.name === 'webgpu' && backend.adapter) {
    const { vendor, architecture, software } = backend.adapter;
    const base = `webgpu · ${vendor} ${architecture}`;
    // Measured on a 2-core machine without a GPU: WebGL on SwiftShader's GL trained 4.7× faster.
    return software ? `${base} — software adapter: training will be slow (try wasm or webgl)` : base;
  }
  if (backend.name === 'wasm' && backend.wasm) {
    const { simd, threads, kernels } = backend.wasm;
    const own = { all: ' · studio kernels', 'batch norm': ' · studio batch norm', none: '' }[kernels];
    return `wasm · ${simd ? 'SIMD' : 'no SIMD'} · ${threads} ${threads === 1 ? 'thread' : 'threads'}${own}`;
  }
  return backend.name;
}

/** Why the measured choice fell where it did, e.g. "chosen by measurement: wasm 41 img/s, webgl 24 img/s". */
export function describeChoice(backend: BackendInfo): string | null {
  const choice = backend.choice;
  if (!choice) return null;
  const rates = Object.entries(choice.rates)
    .sort(([, a], [, b]) => b - a)
    .map(([name, rate]) => `${name} ${rate.toFixed(1)} img/s`)
    .join(', ');
  const when = choice.measuredAt.slice(0, 10);
  return `no GPU: chosen by measurement (${rates}; ${choice.remembered ? `remembered from ${when}` : 'measured now'})`;
}

/** Switches the backend by restarting the studio; "auto" is the default choice. */
function BackendMenu({ backend }: { backend: BackendInfo | null }) {
  const value = backend?.forced ? backend.name : 'auto';
  return (
    <label className="muted">
      {' '}
      · switch:{' '}
      <select
        data-testid="backend-menu"
        value={value}
        onChange={(event) => {
          const next = event.target.value;
          if (next === 'remeasure') switchBackend(null, true);
          else switchBackend(isBackendName(next) ? next : null);
        }}
      >
        <option value="auto">auto</option>
        {backend?.choice ? <option value="remeasure">auto, measure again</option> : null}
        {BACKENDS.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function StatusBar({ backend, error }: { backend: BackendInfo | null; error: ErrorInfo | null }) {
  return (
    <footer className="status-bar" role="status">
      <span data-testid="backend-status">
        {backend ? `Backend: ${describeBackend(backend)}` : error ? 'Backend: none' : 'Backend: starting…'}
      </span>
      {backend?.forced ? <span className="muted"> (forced by ?backend=)</span> : null}
      {backend && describeChoice(backend) ? (
        <span className="muted" data-testid="backend-choice">
          {' '}
          — {describeChoice(backend)}
        </span>
      ) : null}
      {backend ? <BackendMenu backend={backend} /> : null}
      {backend ? (
        <span className="muted" data-testid="conv-gradients">
          {' '}
          · conv gradients: {backend.convGradients}
          {backend.convGradientsForced ? ' (forced by ?conv=)' : ''}
        </span>
      ) : null}
      {backend ? (
        <span className="muted" data-testid="training-step">
          {' '}
          · step:{' '}
          {backend.step === 'compiled'
            ? 'compiled (the studio’s WebGPU kernels, for VGG without batch norm; VGG-BN and PreResNet train on tfjs)'
            : 'tfjs'}
          {backend.stepForced ? ' (forced by ?step=)' : ''}
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
      {!backend && error ? (
        // No backend started: never a dead page. Another backend, or the same start again.
        <BackendMenu backend={null} />
      ) : null}
      {error?.code === 'DEVICE_LOST' || (!backend && error) ? (
        // A new device (or a new start) comes only with a new worker; runs resume from their checkpoints.
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
