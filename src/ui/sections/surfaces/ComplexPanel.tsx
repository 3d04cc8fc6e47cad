// Runs on the page: the 3-D view of a complex, its vertices on their first three principal
// directions (computed in the worker from the vertices' Gram matrix), rotatable.

import { useMemo, useState } from 'react';
import { facesOf, type ComplexProjection } from '../../../protocol/commands/surfaces';
import { toErrorInfo, type ErrorInfo } from '../../../protocol/errors';
import { useEngine } from '../../engineContext';
import { PlotlyChart } from '../../charts/PlotlyChart';
import { complexLayout, complexTraces } from './surfacePlots';
import { ErrorNotice } from '../../components/ErrorNotice';

export function ComplexPanel({ modelId }: { modelId: string }) {
  const { client } = useEngine();
  const [projection, setProjection] = useState<{ modelId: string; value: ComplexProjection } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorInfo | null>(null);
  const shown = projection?.modelId === modelId ? projection.value : null;
  const traces = useMemo(() => (shown ? complexTraces(shown, facesOf(shown.complex)) : []), [shown]);
  const layout = useMemo(() => (shown ? complexLayout(shown) : {}), [shown]);

  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      setProjection({ modelId, value: await client.call('projectComplex', { modelId }) });
    } catch (err) {
      setError(toErrorInfo(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card" data-testid="complex-view">
      <h3 style={{ marginTop: 0 }}>3-D view</h3>
      <button type="button" onClick={() => void show()} disabled={busy}>
        {busy ? 'Projecting…' : shown ? 'Recompute' : 'Show the complex in 3-D'}
      </button>
      {error ? <ErrorNotice error={error} /> : null}
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
