// Runs on the page: loss along edges of the chosen model, a little beyond both vertices.

import { useMemo, useState } from 'react';
import type { EdgeProfileData, SurfaceData, SurfaceMetric } from '../../../protocol/commands/surfaces';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';
import { PlotlyChart } from '../../charts/PlotlyChart';
import { edgeLayout, edgeTraces } from './surfacePlots';
import { ErrorNotice } from '../../components/ErrorNotice';

export interface EdgeProfilesPanelProps {
  modelId: string;
  edges: [number, number][];
  /** Null while the form's data fields are wrong. */
  data: SurfaceData | null;
  metric: SurfaceMetric;
}

export function EdgeProfilesPanel({ modelId, edges, data, metric }: EdgeProfilesPanelProps) {
  const { client } = useEngine();
  const [profiles, setProfiles] = useState<EdgeProfileData[] | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [extension, setExtension] = useState(0.25);
  const traces = useMemo(() => (profiles ? edgeTraces(profiles, metric) : []), [profiles, metric]);
  const layout = useMemo(() => edgeLayout(metric), [metric]);

  const compute = async (data: SurfaceData) => {
    setError(null);
    setDone(null);
    setBusy(`0 of ${edges.length} edges`);
    const started = performance.now();
    try {
      const result = await client.call(
        'edgeProfiles',
        { modelId, edges, pointsPerEdge: 11, extension, data },
        {
          onProgress: (p) => {
            setBusy(`${p.done} of ${p.total} edges`);
          },
        },
      );
      setProfiles(result.profiles);
      const points = result.profiles[0]?.t.length ?? 0;
      setDone(
        `Computed: ${result.profiles.length} ${result.profiles.length === 1 ? 'edge' : 'edges'} × ${points} points ` +
          `in ${((performance.now() - started) / 1000).toFixed(1)} s.`,
      );
    } catch (err) {
      setError(toErrorInfo(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="card" data-testid="edge-profiles">
      <h3 style={{ marginTop: 0 }}>Edge profiles</h3>
      <p className="muted">
        {edges.map(([i, j]) => `v${i}–v${j}`).join(', ')}, on the same images as the surface.
      </p>
      <label>
        Beyond each vertex{' '}
        <input
          type="number"
          min={0}
          max={2}
          step={0.05}
          value={extension}
          onChange={(e) => {
            setExtension(Number(e.target.value));
          }}
        />
      </label>{' '}
      <button
        type="button"
        onClick={() => {
          if (data) void compute(data);
        }}
        disabled={busy !== null || edges.length === 0 || data === null}
      >
        {busy ? `Computing… ${busy}` : 'Compute edge profiles'}
      </button>
      {busy || done ? (
        <p className="muted" data-testid="edge-status" aria-live="polite">
          {busy ? `Computing: ${busy} done…` : done}
        </p>
      ) : null}
      {error ? <ErrorNotice error={error} /> : null}
      {profiles ? (
        <PlotlyChart
          modeBar
          className="surface-chart"
          data={traces}
          layout={layout}
          label="Loss along edges"
          testId="edge-plot"
        />
      ) : null}
    </div>
  );
}
