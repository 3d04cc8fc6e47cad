// Runs on the page: the landscape pictures as Plotly traces. A line (interpolation, one random
// direction) draws loss and error against x per split, an interpolation with the straight line
// between its ends dashed (what the barrier is measured from); a plane draws a contour map, a heat
// map or a 3-D surface of one split's loss or error, on a log scale if asked, with a training path
// drawn over it. Pure functions of the data.

import type { Data, Layout } from 'plotly.js';
import type { Landscape } from '../../../../protocol/landscape';

export type PlaneView = 'contour' | 'heatmap' | 'surface';
export type LandscapeMetric = 'loss' | 'error';

export interface LandscapeView {
  view: PlaneView;
  metric: LandscapeMetric;
  log: boolean;
  /** Which split's values a plane shows (a line shows every split). */
  split: number;
}

const SPLIT_COLOUR: Record<string, string> = { train: '#1f77b4', test: '#d62728' };
const METRIC_NAME: Record<LandscapeMetric, string> = { loss: 'cross-entropy', error: 'error' };

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function axisTitle(l: Landscape, axis: 'x' | 'y'): string {
  if (l.kind === 'interpolation') return 't (0: first model, 1: second)';
  if (l.kind === 'curve') return 't along the curve (0 and 1: its ends)';
  if (l.kind === 'path') {
    const share = l.path?.explained[axis === 'x' ? 0 : 1] ?? NaN;
    return `${axis === 'x' ? 'PC 1' : 'PC 2'} (${(100 * share).toFixed(1)}% of the path's variance)`;
  }
  return `${axis === 'x' ? 'direction 1' : 'direction 2'} (multiples of its ${l.settings.direction.norm}-normalised length)`;
}

export function lineTraces(l: Landscape): Data[] {
  const straight: Data[] = (l.line ?? []).map((v) => ({
    type: 'scatter',
    mode: 'lines',
    name: `${v.split} loss, straight line between the ends`,
    x: l.x,
    y: v.loss.map(finiteOrNull),
    line: { color: SPLIT_COLOUR[v.split] ?? '#333', dash: 'dash' },
  }));
  return [...curveOrLine(l), ...straight];
}

function curveOrLine(l: Landscape): Data[] {
  return l.values.flatMap((v) => {
    const colour = SPLIT_COLOUR[v.split] ?? '#333';
    const traces: Data[] = [
      {
        type: 'scatter',
        mode: 'lines+markers',
        name: `${v.split} loss`,
        x: l.x,
        y: v.loss.map(finiteOrNull),
        line: { color: colour },
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: `${v.split} error`,
        x: l.x,
        y: v.error.map(finiteOrNull),
        yaxis: 'y2',
        line: { color: colour, dash: 'dot' },
      },
    ];
    if (l.kind === 'interpolation') {
      const i0 = l.x.indexOf(0);
      const i1 = l.x.indexOf(1);
      traces.push({
        type: 'scatter',
        mode: 'lines',
        name: `${v.split}: straight line between the ends`,
        x: [0, 1],
        y: [v.loss[i0] ?? null, v.loss[i1] ?? null],
        line: { color: colour, dash: 'dash', width: 1 },
        showlegend: true,
      });
    }
    return traces;
  });
}

export function lineLayout(l: Landscape, log: boolean): Partial<Layout> {
  return {
    margin: { t: 30, r: 60, b: 50, l: 60 },
    xaxis: { title: { text: axisTitle(l, 'x') } },
    yaxis: { title: { text: 'cross-entropy' }, type: log ? 'log' : 'linear' },
    yaxis2: { title: { text: 'error' }, overlaying: 'y', side: 'right', range: [0, 1] },
    legend: { orientation: 'h', y: -0.25 },
    height: 380,
  };
}

/** values[j][i] rows of one split's metric, log10 where asked (non-positive values left out). */
export function planeRows(l: Landscape, view: LandscapeView): (number | null)[][] {
  const values = l.values[view.split]?.[view.metric] ?? [];
  return l.y.map((_, j) =>
    l.x.map((_, i) => {
      const v = values[j * l.x.length + i] ?? NaN;
      if (!Number.isFinite(v)) return null;
      if (view.log) return v > 0 ? Math.log10(v) : null;
      return v;
    }),
  );
}

export function planeTraces(l: Landscape, view: LandscapeView): Data[] {
  const z = planeRows(l, view);
  const title = `${view.log ? 'log10 ' : ''}${METRIC_NAME[view.metric]}`;
  const surface: Data =
    view.view === 'surface'
      ? { type: 'surface', x: l.x, y: l.y, z, colorscale: 'Viridis', colorbar: { title: { text: title } } }
      : {
          type: view.view,
          x: l.x,
          y: l.y,
          z,
          colorscale: 'Viridis',
          colorbar: { title: { text: title } },
          ...(view.view === 'contour' ? { contours: { coloring: 'heatmap', showlabels: true } } : {}),
        };
  const traces: Data[] = [surface];
  if (l.path && view.view !== 'surface') {
    traces.push({
      type: 'scatter',
      mode: 'text+lines+markers',
      name: 'training path',
      x: l.path.x,
      y: l.path.y,
      text: l.path.epochs.map((e) => String(e)),
      textposition: 'top center',
      line: { color: '#e8e8e8', width: 2 },
      marker: { color: '#ff7f0e', size: 7 },
    });
  }
  return traces;
}

export function planeLayout(l: Landscape, view: LandscapeView): Partial<Layout> {
  const x = { title: { text: axisTitle(l, 'x') } };
  const y = { title: { text: axisTitle(l, 'y') } };
  return view.view === 'surface'
    ? {
        margin: { t: 20, r: 10, b: 10, l: 10 },
        scene: { xaxis: x, yaxis: y, zaxis: { title: { text: METRIC_NAME[view.metric] } } },
        height: 520,
      }
    : { margin: { t: 20, r: 10, b: 60, l: 70 }, xaxis: x, yaxis: y, height: 520, showlegend: false };
}
