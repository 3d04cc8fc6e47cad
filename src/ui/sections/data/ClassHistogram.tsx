// Runs on the page: images per class as a Plotly bar chart.

import { useMemo } from 'react';
import type { Data, Layout } from 'plotly.js';
import { PlotlyChart } from '../../charts/PlotlyChart';

export function ClassHistogram({
  classNames,
  counts,
  title,
}: {
  classNames: string[];
  counts: number[];
  title: string;
}) {
  const data = useMemo<Data[]>(
    () => [
      {
        type: 'bar',
        x: classNames,
        y: counts,
        marker: { color: '#2a5bd7' },
        hovertemplate: '%{x}: %{y}<extra></extra>',
      },
    ],
    [classNames, counts],
  );
  const many = classNames.length > 20;
  const layout = useMemo<Partial<Layout>>(
    () => ({
      title: { text: title, font: { size: 13 } },
      margin: { l: 40, r: 10, t: 30, b: many ? 110 : 60 },
      height: many ? 300 : 240,
      xaxis: { tickangle: -45, automargin: true },
      yaxis: { title: { text: 'images' }, rangemode: 'tozero' },
    }),
    [title, many],
  );
  return (
    <PlotlyChart
      data={data}
      layout={layout}
      className="histogram"
      testId="class-histogram"
      label={`${title}: ${classNames.map((name, c) => `${name} ${counts[c] ?? 0}`).join(', ')}`}
    />
  );
}
