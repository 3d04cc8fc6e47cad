// Runs on the page: the report's plots (the paper's Figure 8 layout, error against M, reliability,
// error against training cost, robustness), all drawn from rows the worker computed.

import { useMemo } from 'react';
import type { EnsembleReport } from '../../../protocol/commands/ensembles';
import { PlotlyChart } from '../../charts/PlotlyChart';
import { reportCharts } from './reportData';

export function EnsembleCharts({ report }: { report: EnsembleReport }) {
  const charts = useMemo(() => reportCharts(report), [report]);
  return (
    <div
      className="card"
      style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(460px, 1fr))', gap: '0.5rem' }}
    >
      {charts.map((chart) => (
        <PlotlyChart
          key={chart.id}
          data={chart.data}
          layout={chart.layout}
          label={chart.title}
          testId={`ensemble-chart-${chart.id}`}
        />
      ))}
    </div>
  );
}
