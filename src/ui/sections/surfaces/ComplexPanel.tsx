// Runs on the page: the 3-D view of a complex, its vertices on their first three principal
// directions (computed in the worker from the vertices' Gram matrix), rotatable.

import { useMemo } from 'react';
import { facesOf, type ComplexProjection } from '../../../protocol/commands/surfaces';
import { ErrorNotice } from '../../components/ErrorNotice';
import { PlotlyChart } from '../../charts/PlotlyChart';
import { useEngine } from '../../engineContext';
import { useWorkerJob } from '../../hooks/useWorkerJob';
import { complexLayout, complexTraces } from './surfacePlots';

export function ComplexPanel({ modelId }: { modelId: string }) {
  const { client } = useEngine();
  const job = useWorkerJob(async (id: string) => ({
    modelId: id,
    value: await client.call('projectComplex', { modelId: id }),
  }));
  // The projection of the model shown now; another model's stays hidden until recomputed.
  const shown: ComplexProjection | null = job.last?.modelId === modelId ? job.last.value : null;
  const traces = useMemo(() => (shown ? complexTraces(shown, facesOf(shown.complex)) : []), [shown]);
  const layout = useMemo(() => (shown ? complexLayout(shown) : {}), [shown]);
  const busy = job.status.kind === 'running';

  return (
    <div className="card" data-testid="complex-view">
      <h3 style={{ marginTop: 0 }}>3-D view</h3>
      <button type="button" onClick={() => void job.start(modelId)} disabled={busy}>
        {busy ? 'Projecting…' : shown ? 'Recompute' : 'Show the complex in 3-D'}
      </button>
      {job.status.kind === 'failed' ? <ErrorNotice error={job.status.error} /> : null}
      {shown ? (
        <PlotlyChart
          modeBar
          className="surface-chart"
          data={traces}
          layout={layout}
          label="Complex in 3-D"
          testId="complex-plot"
        />
      ) : null}
    </div>
  );
}
