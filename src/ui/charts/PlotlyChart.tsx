// Runs on the page: one Plotly chart as a React component, for every section. The plot is created
// once and updated in place with Plotly.react (at most once per animation frame, so a burst of
// training events costs one redraw), reports clicks in data coordinates when asked, hands its
// element to the caller (for PNG export), and is purged on unmount so WebGL contexts are given
// back. Plotly is loaded on first use so the shell starts without its few megabytes.

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
const QUIET_CONFIG: Partial<Config> = { ...CONFIG, displayModeBar: false };

/** What Plotly's full axis objects (on each event point) offer beyond the layout's types. */
interface FullAxis {
  /** The axis's start in pixels from the plot's top-left corner. */
  _offset: number;
  /** Pixels along the axis → data value. */
  p2d: (px: number) => unknown;
}

/**
 * The data coordinates of a click: a marker's own point, but on a contour or heatmap (where Plotly
 * reports the nearest grid node) the position under the mouse.
 */
function clickedAt(element: HTMLElement, event: PlotMouseEvent): { x: number; y: number } | null {
  const point = event.points[0];
  if (!point) return null;
  let { x, y } = point;
  if (point.data.type === 'contour' || point.data.type === 'heatmap') {
    const xa = point.xaxis as unknown as FullAxis;
    const ya = point.yaxis as unknown as FullAxis;
    const box = element.querySelector('.main-svg')?.getBoundingClientRect();
    if (!box) return null;
    x = xa.p2d(event.event.clientX - box.left - xa._offset) as number;
    y = ya.p2d(event.event.clientY - box.top - ya._offset) as number;
  }
  return typeof x === 'number' && typeof y === 'number' && Number.isFinite(x) && Number.isFinite(y)
    ? { x, y }
    : null;
}

export interface PlotlyChartProps {
  data: Data[];
  layout: Partial<Layout>;
  /** What the chart shows, for screen readers and tests. */
  label: string;
  testId?: string;
  className?: string;
  /** Show Plotly's mode bar (zoom, PNG download); off for the small live training charts. */
  modeBar?: boolean;
  /** Filled with the chart's element (for Plotly.downloadImage). */
  elementRef?: RefObject<HTMLDivElement | null>;
  /** Called with the data coordinates of a click (see clickedAt). */
  onClick?: (x: number, y: number) => void;
}

export function PlotlyChart({
  data,
  layout,
  label,
  testId,
  className,
  modeBar,
  elementRef,
  onClick,
}: PlotlyChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const latest = useRef({ data, layout, onClick });
  const frame = useRef<number | null>(null);
  const listening = useRef(false);
  const config = modeBar ? CONFIG : QUIET_CONFIG;

  useEffect(() => {
    latest.current = { data, layout, onClick };
    const element = ref.current;
    if (elementRef) elementRef.current = element;
    if (!element || frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      void loadPlotly().then(async (Plotly) => {
        // Unmounted meanwhile: the element is gone from the document.
        if (!element.isConnected) return;
        const plot: PlotlyHTMLElement = await Plotly.react(
          element,
          latest.current.data,
          latest.current.layout,
          config,
        );
        element.dataset.rendered = 'true';
        if (listening.current) return;
        listening.current = true;
        plot.on('plotly_click', (event: PlotMouseEvent) => {
          const at = clickedAt(element, event);
          if (at) latest.current.onClick?.(at.x, at.y);
        });
      });
    });
  }, [data, layout, onClick, elementRef, config]);

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
