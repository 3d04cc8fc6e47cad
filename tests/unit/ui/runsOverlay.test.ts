import { describe, expect, it } from 'vitest';
import type { Data } from 'plotly.js';
import { defaultSettings } from '../../../src/protocol/settings';
import type { TrainHistory } from '../../../src/protocol/commands/train';
import { overlayCharts, type OverlayRun } from '../../../src/ui/sections/train/runsOverlayData';

function run(id: string, batchSize: number, losses: number[]): OverlayRun {
  const history: TrainHistory = {
    steps: losses.map((loss, i) => ({
      step: (i + 1) * 10,
      stage: 0,
      epoch: 1,
      loss,
      accuracy: 1 - loss / 3,
      lr: 0.1,
    })),
    epochs: [
      {
        stage: 0,
        epoch: 1,
        step: losses.length * 10,
        trainLoss: 1,
        trainAccuracy: 0.5,
        testLoss: 1.5,
        testAccuracy: 0.4,
        volume: null,
        lambda: 0,
        lr: 0.1,
        seconds: 1,
      },
    ],
  };
  return { id, name: `run ${id}`, settings: { ...defaultSettings('base'), batchSize }, history };
}

type Trace = Data & {
  x: number[];
  y: number[];
  name: string;
  legendgroup: string;
  line?: { color: string };
  marker?: { color: string };
};

describe('the runs overlay', () => {
  const a = run('a', 32, [2, 1.8, 1.6]);
  const b = run('b', 128, [2.2, 2]);

  it('draws each run as a training line and test markers of its own colour, named after it', () => {
    const [loss, accuracy] = overlayCharts([a, b], 'step');
    expect(loss?.id).toBe('loss');
    expect(accuracy?.id).toBe('accuracy');
    const traces = (loss?.data ?? []) as Trace[];
    expect(traces.map((t) => t.name)).toEqual([
      'run a · train',
      'run a · test',
      'run b · train',
      'run b · test',
    ]);
    expect(traces.map((t) => t.legendgroup)).toEqual(['a', 'a', 'b', 'b']);
    const colour = (t: Trace | undefined) => t?.line?.color ?? t?.marker?.color;
    expect(colour(traces[0])).toBe(colour(traces[1]));
    expect(colour(traces[0])).not.toBe(colour(traces[2]));
    expect(traces[0]?.x).toEqual([10, 20, 30]);
    // Smoothed, starting at the first value.
    expect(traces[0]?.y[0]).toBe(2);
    expect(traces[1]?.y).toEqual([1.5]);
    expect((accuracy?.data[1] as Trace).y).toEqual([0.4]);
    expect(loss?.layout.xaxis?.title).toEqual({ text: 'step' });
  });

  it('puts runs of different batch sizes on images seen: steps × batch size', () => {
    const [loss] = overlayCharts([a, b], 'images');
    const traces = (loss?.data ?? []) as Trace[];
    expect(traces[0]?.x).toEqual([320, 640, 960]);
    expect(traces[1]?.x).toEqual([960]);
    expect(traces[2]?.x).toEqual([1280, 2560]);
    expect(traces[3]?.x).toEqual([2560]);
    expect(loss?.layout.xaxis?.title).toEqual({ text: 'images seen' });
  });

  it('draws a run that has no metrics yet as empty traces', () => {
    const empty: OverlayRun = { ...a, history: { steps: [], epochs: [] } };
    const traces = (overlayCharts([empty], 'step')[0]?.data ?? []) as Trace[];
    expect(traces.map((t) => t.x.length)).toEqual([0, 0]);
  });
});
