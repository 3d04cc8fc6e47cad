// Runs on the page: several runs' loss and accuracy on one chart each, as TensorBoard or W&B
// overlay them: one colour per run, its training loss (smoothed, per step) as a line and its test
// metric (per epoch) as markers, against steps or images seen (steps × batch size, so runs of
// different batch sizes line up by the data they have read; a step's draws read the same batch).

import type { Data } from 'plotly.js';
import type { RunRecord } from '../../../protocol/commands/train';
import { downsample, ema } from '../../charts/seriesMath';
import { baseLayout, type RunChartSpec } from './runChartData';

export const OVERLAY_AXES = ['step', 'images'] as const;
export type OverlayAxis = (typeof OVERLAY_AXES)[number];
export const OVERLAY_AXIS_LABELS: Record<OverlayAxis, string> = { step: 'step', images: 'images seen' };

/** Told apart by eye for up to ten runs; more reuse them. */
const PALETTE = [
  '#2a5bd7',
  '#d9480f',
  '#2b8a3e',
  '#862e9c',
  '#e67700',
  '#0b7285',
  '#c2255c',
  '#495057',
  '#5f3dc4',
  '#74b816',
];

export type OverlayRun = Pick<RunRecord, 'id' | 'name' | 'settings' | 'history'>;

/** The loss and accuracy charts of `runs`, in their order, against `axis`. */
export function overlayCharts(runs: readonly OverlayRun[], axis: OverlayAxis): RunChartSpec[] {
  return [overlayChart('loss', 'Loss', runs, axis), overlayChart('accuracy', 'Accuracy', runs, axis)];
}

function overlayChart(
  id: 'loss' | 'accuracy',
  title: string,
  runs: readonly OverlayRun[],
  axis: OverlayAxis,
): RunChartSpec {
  const data = runs.flatMap((run, i): Data[] => {
    const color = PALETTE[i % PALETTE.length];
    const scale = axis === 'images' ? run.settings.batchSize : 1;
    const steps = run.history.steps;
    const smoothed = downsample({
      x: steps.map((p) => p.step * scale),
      y: ema(steps.map((p) => (id === 'loss' ? p.loss : p.accuracy))),
    });
    const epochs = run.history.epochs;
    return [
      {
        type: 'scattergl',
        mode: 'lines',
        name: `${run.name} · train`,
        legendgroup: run.id,
        x: smoothed.x,
        y: smoothed.y,
        line: { color, width: 2 },
      },
      {
        type: 'scatter',
        mode: 'markers',
        name: `${run.name} · test`,
        legendgroup: run.id,
        x: epochs.map((e) => e.step * scale),
        y: epochs.map((e) => (id === 'loss' ? e.testLoss : e.testAccuracy)),
        marker: { color, size: 7, symbol: 'diamond' },
      },
    ];
  });
  return {
    id,
    title,
    data,
    layout: baseLayout(title, [], {
      height: 320,
      xaxis: { title: { text: OVERLAY_AXIS_LABELS[axis] }, rangemode: 'tozero' },
      yaxis: id === 'accuracy' ? { tickformat: '.0%', rangemode: 'tozero' } : { rangemode: 'tozero' },
    }),
  };
}
