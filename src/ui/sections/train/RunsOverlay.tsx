// Runs on the page: the runs ticked in the Runs list, overlaid: loss and accuracy of each on one
// chart, against steps or images seen. Redrawn as a live run's history grows.

import { useMemo, useState } from 'react';
import { ChartList } from './RunCharts';
import {
  OVERLAY_AXES,
  OVERLAY_AXIS_LABELS,
  overlayCharts,
  type OverlayAxis,
  type OverlayRun,
} from './runsOverlayData';

export function RunsOverlay({ runs, onClear }: { runs: readonly OverlayRun[]; onClear: () => void }) {
  const [axis, setAxis] = useState<OverlayAxis>('step');
  const charts = useMemo(() => overlayCharts(runs, axis), [runs, axis]);
  return (
    <section className="card runs-overlay" aria-label="Compare runs">
      <header className="run-head">
        <h4>Comparing {runs.length} runs</h4>
        <div role="group" aria-label="x-axis" className="preset-choice">
          <span className="muted">x-axis:</span>
          {OVERLAY_AXES.map((a) => (
            <button
              key={a}
              type="button"
              aria-pressed={axis === a}
              onClick={() => {
                setAxis(a);
              }}
            >
              {OVERLAY_AXIS_LABELS[a]}
            </button>
          ))}
        </div>
        <button type="button" className="link-button" onClick={onClear}>
          Clear the selection
        </button>
      </header>
      {runs.length < 2 ? (
        <p className="muted">Tick another run’s “Compare” box to overlay its curves on this one’s.</p>
      ) : null}
      <ChartList charts={charts} testIdPrefix="overlay" labelSuffix=" of the compared runs" />
    </section>
  );
}
