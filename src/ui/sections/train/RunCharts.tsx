// Runs on the page: a run's charts (loss, accuracy, volume and λ, learning rate), redrawn as its
// history grows.

import { useMemo } from 'react';
import type { TrainHistory } from '../../../protocol/commands/train';
import { PlotlyChart } from '../../charts/PlotlyChart';
import { runCharts, type RunChartSpec } from './runChartData';

export function RunCharts({ history, withVolume }: { history: TrainHistory; withVolume: boolean }) {
  const charts = useMemo(() => runCharts(history, withVolume), [history, withVolume]);
  if (history.steps.length === 0 && history.epochs.length === 0) {
    return <p className="muted">No metrics yet: the first points arrive after a few steps.</p>;
  }
  return <ChartList charts={charts} testIdPrefix="chart" />;
}

/** Training charts side by side, each with test id `<prefix>-<chart id>`. */
export function ChartList({
  charts,
  testIdPrefix,
  labelSuffix = '',
}: {
  charts: readonly RunChartSpec[];
  testIdPrefix: string;
  labelSuffix?: string;
}) {
  return (
    <div className="run-charts">
      {charts.map((chart) => (
        <PlotlyChart
          key={chart.id}
          data={chart.data}
          layout={chart.layout}
          label={`${chart.title}${labelSuffix}`}
          testId={`${testIdPrefix}-${chart.id}`}
        />
      ))}
    </div>
  );
}
