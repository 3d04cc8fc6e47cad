// Runs on the page: a Plotly chart for the Surfaces section that, unlike the shared PlotlyChart,
// reports clicks (plane coordinates) and hands its element to the caller for PNG export. Redraws
// with Plotly.react at most once per frame; purged on unmount so WebGL contexts are given back.

import { useEffect, useRef, type RefObject } from 'react';
import type { Config, Data, Layout, PlotlyHTMLElement, PlotMouseEvent } from 'plotly.js';

export type PlotlyModule = typeof import('plotly.js-dist-min').default;

let plotlyPromise: Promise<PlotlyModule> | null = null;
export function loadPlotly(): Promise<PlotlyModule> {
  // A failed chunk load (e.g. the app was rebuilt under an open tab) is retried on the next use.
  plotlyPromise ??= import('plotly.js-dist-min').then(
    (m) => m.default,
    (err: unknown) => {
      plotlyPromise = null;
      throw err;
    },
  );
  return plotlyPromise;
}

const CONFIG: Partial<Config> = { displaylogo: false, responsive: true };

export interface SurfaceChartProps {
  data: Data[];
  layout: Partial<Layout>;
  label: string;
  testId?: string;
  /** Filled with the chart's element (for Plotly.downloadImage). */
  elementRef?: RefObject<HTMLDivElement | null>;
  onClick?: (x: number, y: number) => void;
}

export function SurfaceChart({ data, layout, label, testId, elementRef, onClick }: SurfaceChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const latest = useRef({ data, layout, onClick });
  const frame = useRef<number | null>(null);
  const listening = useRef(false);

  useEffect(() => {
    latest.current = { data, layout, onClick };
    const element = ref.current;
    if (elementRef) elementRef.current = element;
    if (!element || frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      void loadPlotly().then(async (Plotly) => {
        if (!element.isConnected) return;
        const plot: PlotlyHTMLElement = await Plotly.react(
          element,
          latest.current.data,
          latest.current.layout,
          CONFIG,
        );
        element.dataset.rendered = 'true';
        if (listening.current) return;
        listening.current = true;
        plot.on('plotly_click', (event: PlotMouseEvent) => {
          const point = event.points[0];
          if (typeof point?.x === 'number' && typeof point.y === 'number') {
            latest.current.onClick?.(point.x, point.y);
          }
        });
      });
    });
  }, [data, layout, onClick, elementRef]);

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

  return <div ref={ref} className="surface-chart" data-testid={testId} aria-label={label} role="img" />;
}
