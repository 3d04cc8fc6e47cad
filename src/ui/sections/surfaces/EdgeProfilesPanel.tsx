// Runs on the page: loss along edges of the chosen model, a little beyond both vertices. The
// computation is a worker job (useWorkerJob); the last profiles stay drawn if a newer one fails.

import { useMemo, useState } from 'react';
import type { EdgeProfileData, SurfaceData, SurfaceMetric } from '../../../protocol/commands/surfaces';
import { numberError } from '../../../protocol/settings';
import { ErrorNotice } from '../../components/ErrorNotice';
import { NumberField } from '../../components/NumberField';
import { parseNumberText } from '../../components/numberText';
import { PlotlyChart } from '../../charts/PlotlyChart';
import { useEngine } from '../../engineContext';
import type { JobStatus } from '../../hooks/jobState';
import { useWorkerJob } from '../../hooks/useWorkerJob';
import { edgeLayout, edgeTraces } from './surfacePlots';

export interface EdgeProfilesPanelProps {
  modelId: string;
  edges: [number, number][];
  /** Null while the form's data fields are wrong. */
  data: SurfaceData | null;
  metric: SurfaceMetric;
}

interface Profiles {
  profiles: EdgeProfileData[];
  seconds: number;
}

interface EdgeArgs extends SurfaceData {
  extension: number;
}
type EdgeProgress = { done: number; total: number };
type EdgeStatus = JobStatus<EdgeProgress, Profiles>;

/** Where the job stands, as the status line says it, or null before the first. */
export function edgeStatusLine(status: EdgeStatus): string | null {
  if (status.kind === 'running') {
    return `Computing: ${status.progress?.done ?? 0} of ${status.progress?.total ?? 0} edges done…`;
  }
  if (status.kind !== 'done') return null;
  const { profiles, seconds } = status.result;
  const points = profiles[0]?.t.length ?? 0;
  return `Computed: ${profiles.length} ${profiles.length === 1 ? 'edge' : 'edges'} × ${points} points in ${seconds.toFixed(1)} s.`;
}

export function EdgeProfilesPanel({ modelId, edges, data, metric }: EdgeProfilesPanelProps) {
  const { client } = useEngine();
  const job = useWorkerJob<EdgeArgs, EdgeProgress, Profiles>(async (surfaceData, { signal, onProgress }) => {
    const { extension, ...rest } = surfaceData;
    const started = performance.now();
    onProgress({ done: 0, total: edges.length });
    const { profiles } = await client.call(
      'edgeProfiles',
      { modelId, edges, pointsPerEdge: 11, extension, data: rest },
      { signal, onProgress },
    );
    return { profiles, seconds: (performance.now() - started) / 1000 };
  });
  const [extensionText, setExtensionText] = useState('0.25');
  const parsed = parseNumberText(extensionText, false);
  const extensionError = parsed.error ?? numberError({ integer: false, min: 0, max: 2 }, parsed.value);
  const profiles = job.last?.profiles ?? null;
  const traces = useMemo(() => (profiles ? edgeTraces(profiles, metric) : []), [profiles, metric]);
  const layout = useMemo(() => edgeLayout(metric), [metric]);
  const running = job.status.kind === 'running';
  const line = edgeStatusLine(job.status);

  return (
    <div className="card" data-testid="edge-profiles">
      <h3 style={{ marginTop: 0 }}>Edge profiles</h3>
      <p className="muted">
        {edges.map(([i, j]) => `v${i}–v${j}`).join(', ')}, on the same images as the surface.
      </p>
      <div className="field-inline">
        <NumberField
          id="edge-extension"
          label="Beyond each vertex"
          text={extensionText}
          error={extensionError ?? undefined}
          onChange={setExtensionText}
        />
        <button
          type="button"
          onClick={() => {
            if (data) void job.start({ ...data, extension: parsed.value });
          }}
          disabled={running || edges.length === 0 || data === null || extensionError !== null}
        >
          {job.status.kind === 'running'
            ? `Computing… ${job.status.progress?.done ?? 0} of ${job.status.progress?.total ?? 0} edges`
            : 'Compute edge profiles'}
        </button>
      </div>
      {line ? (
        <p className="muted" data-testid="edge-status" aria-live="polite">
          {line}
        </p>
      ) : null}
      {job.status.kind === 'failed' ? <ErrorNotice error={job.status.error} /> : null}
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
