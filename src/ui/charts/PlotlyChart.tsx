// Runs on the page: one Plotly chart as a React component. The plot is created once and updated
// in place with Plotly.react (at most once per animation frame, so a burst of training events
// costs one redraw), and purged on unmount so WebGL contexts are given back. Plotly is loaded on
// first use so the shell starts without its few megabytes.

import { useEffect, useRef } from 'react';
import type { Config, Data, Layout } from 'plotly.js';

type PlotlyModule = typeof import('plotly.js-dist-min').default;

let plotlyPromise: Promise<PlotlyModule> | null = null;
function loadPlotly(): Promise<PlotlyModule> {
  plotlyPromise ??= import('plotly.js-dist-min').then((m) => m.default);
  return plotlyPromise;
}

const CONFIG: Partial<Config> = { displayModeBar: false, responsive: true };

export interface PlotlyChartProps {
  data: Data[];
  layout: Partial<Layout>;
  /** What the chart shows, for screen readers and tests. */
  label: string;
  testId?: string;
  className?: string;
}

export function PlotlyChart({ data, layout, label, testId, className }: PlotlyChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const latest = useRef({ data, layout });
  const frame = useRef<number | null>(null);

  useEffect(() => {
    latest.current = { data, layout };
    const element = ref.current;
    if (!element || frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      void loadPlotly().then((Plotly) => {
        // Unmounted meanwhile: the element is gone from the document.
        if (!element.isConnected) return;
        return Plotly.react(element, latest.current.data, latest.current.layout, CONFIG);
      });
    });
  }, [data, layout]);

  useEffect(() => {
    const element = ref.current;
    return () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
      if (element) {
        void loadPlotly().then((Plotly) => {
          Plotly.purge(element);
        });
      }
    };
  }, []);

  return (
    <div ref={ref} className={className ?? 'chart'} data-testid={testId} aria-label={label} role="img" />
  );
}
