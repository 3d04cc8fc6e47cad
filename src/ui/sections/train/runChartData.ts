// Runs on the page: a run's history as Plotly traces and layouts. Per-step series use WebGL
// traces and are bucketed to at most MAX_CHART_POINTS, so a run of 100k steps draws as fast as
// one of 1k; per-epoch series are short and drawn as they are.

import type { Data, Layout, Shape } from 'plotly.js';
import type { EpochPoint, StepPoint, TrainHistory } from '../../../protocol/commands/train';
import { downsample, ema } from '../../charts/seriesMath';

const COLORS = { train: '#2a5bd7', test: '#d9480f', volume: '#2b8a3e', lambda: '#862e9c', lr: '#495057' };

export interface RunChartSpec {
  id: 'loss' | 'accuracy' | 'volume' | 'lr';
  title: string;
  data: Data[];
  layout: Partial<Layout>;
}

export function runCharts(history: TrainHistory, withVolume: boolean): RunChartSpec[] {
  const stageLines = stageBoundaries(history.steps);
  const charts: RunChartSpec[] = [
    metricChart(
      'loss',
      'Loss',
      history,
      (p) => p.loss,
      (e) => e.trainLoss,
      (e) => e.testLoss,
      stageLines,
    ),
    metricChart(
      'accuracy',
      'Accuracy',
      history,
      (p) => p.accuracy,
      (e) => e.trainAccuracy,
      (e) => e.testAccuracy,
      stageLines,
    ),
  ];
  if (withVolume) charts.push(volumeChart(history.epochs, stageLines));
  charts.push(lrChart(history.steps, stageLines));
  return charts;
}

function metricChart(
  id: 'loss' | 'accuracy',
  title: string,
  history: TrainHistory,
  perStep: (p: StepPoint) => number,
  trainPerEpoch: (e: EpochPoint) => number,
  testPerEpoch: (e: EpochPoint) => number,
  shapes: Partial<Shape>[],
): RunChartSpec {
  const steps = history.steps.map((p) => p.step);
  const raw = history.steps.map(perStep);
  const rawDrawn = downsample({ x: steps, y: raw });
  const smoothed = downsample({ x: steps, y: ema(raw) });
  const epochSteps = history.epochs.map((e) => e.step);
  const data: Data[] = [
    {
      type: 'scattergl',
      mode: 'lines',
      name: 'train (per step)',
      x: rawDrawn.x,
      y: rawDrawn.y,
      line: { color: COLORS.train, width: 1 },
      opacity: 0.3,
      hoverinfo: 'skip',
    },
    {
      type: 'scattergl',
      mode: 'lines',
      name: 'train (smoothed)',
      x: smoothed.x,
      y: smoothed.y,
      line: { color: COLORS.train, width: 2 },
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'train (epoch)',
      x: epochSteps,
      y: history.epochs.map(trainPerEpoch),
      line: { color: COLORS.train, width: 1, dash: 'dot' },
      marker: { size: 5 },
      visible: 'legendonly',
    },
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'test (epoch)',
      x: epochSteps,
      y: history.epochs.map(testPerEpoch),
      line: { color: COLORS.test, width: 2 },
      marker: { size: 6 },
    },
  ];
  return {
    id,
    title,
    data,
    layout: baseLayout(title, shapes, {
      yaxis: id === 'accuracy' ? { tickformat: '.0%', rangemode: 'tozero' } : { rangemode: 'tozero' },
    }),
  };
}

function volumeChart(epochs: readonly EpochPoint[], shapes: Partial<Shape>[]): RunChartSpec {
  const withVolume = epochs.filter((e) => e.volume !== null && e.volume > 0);
  const data: Data[] = [
    {
      type: 'scatter',
      mode: 'lines+markers',
      name: 'volume V',
      x: withVolume.map((e) => e.step),
      y: withVolume.map((e) => e.volume ?? NaN),
      line: { color: COLORS.volume, width: 2 },
    },
    {
      type: 'scatter',
      mode: 'lines',
      name: 'λ',
      x: epochs.map((e) => e.step),
      y: epochs.map((e) => e.lambda),
      line: { color: COLORS.lambda, width: 1.5, shape: 'hv' },
      yaxis: 'y2',
    },
  ];
  return {
    id: 'volume',
    title: 'Simplex volume and λ',
    data,
    layout: baseLayout('Simplex volume and λ', shapes, {
      yaxis: { type: 'log', title: { text: 'V' } },
      yaxis2: { type: 'log', overlaying: 'y', side: 'right', title: { text: 'λ' }, showgrid: false },
    }),
  };
}

function lrChart(steps: readonly StepPoint[], shapes: Partial<Shape>[]): RunChartSpec {
  const drawn = downsample({ x: steps.map((p) => p.step), y: steps.map((p) => p.lr) });
  return {
    id: 'lr',
    title: 'Learning rate',
    data: [
      {
        type: 'scattergl',
        mode: 'lines',
        name: 'learning rate',
        x: drawn.x,
        y: drawn.y,
        line: { color: COLORS.lr, width: 1.5 },
      },
    ],
    layout: baseLayout('Learning rate', shapes, { showlegend: false, yaxis: { rangemode: 'tozero' } }),
  };
}

/** A dotted line where each stage after the first begins. */
function stageBoundaries(steps: readonly StepPoint[]): Partial<Shape>[] {
  const shapes: Partial<Shape>[] = [];
  let stage = steps[0]?.stage;
  for (const p of steps) {
    if (p.stage === stage) continue;
    stage = p.stage;
    shapes.push({
      type: 'line',
      xref: 'x',
      yref: 'paper',
      x0: p.step,
      x1: p.step,
      y0: 0,
      y1: 1,
      line: { color: '#adb5bd', width: 1, dash: 'dot' },
    });
  }
  return shapes;
}

/** The layout every training chart shares (the Runs list's overlay too). */
export function baseLayout(title: string, shapes: Partial<Shape>[], extra: Partial<Layout>): Partial<Layout> {
  return {
    title: { text: title, font: { size: 13 } },
    height: 280,
    margin: { l: 50, r: 50, t: 30, b: 70 },
    xaxis: { title: { text: 'step' }, rangemode: 'tozero' },
    legend: { orientation: 'h', y: -0.35, font: { size: 11 } },
    shapes,
    uirevision: 'keep',
    ...extra,
  };
}
