// Runs on the page: where a run stands: stage label, stage and overall progress, speed, time left.

import type { RunRecord } from '../../../protocol/commands/train';
import { formatDuration } from './format';

export function RunProgress({ run }: { run: RunRecord }) {
  const p = run.progress;
  if (!p) {
    return (
      <p className="muted" data-testid="stage-label">
        Preparing: loading data and building the model…
      </p>
    );
  }
  // A stage's first window holds the compilation of its kernels (tfjs's on the first step).
  const speed =
    Number.isFinite(p.imagesPerSecond) && p.imagesPerSecond > 0
      ? `${p.imagesPerSecond.toFixed(1)} images/s`
      : p.stageStep === 0
        ? 'compiling the GPU kernels for the first steps…'
        : 'measuring speed…';
  return (
    <div className="run-progress" data-testid="run-progress">
      <p className="stage-label" data-testid="stage-label">
        Stage {p.stage + 1} of {p.stageCount}: <strong>{run.stageLabel || '…'}</strong>
      </p>
      <label>
        <span>Stage</span>
        <progress max={Math.max(1, p.stageSteps)} value={p.stageStep} data-testid="stage-progress" />
        <span>
          step {p.stageStep} / {p.stageSteps}
        </span>
      </label>
      <label>
        <span>Overall</span>
        <progress max={Math.max(1, p.totalSteps)} value={p.step} data-testid="overall-progress" />
        <span>
          step {p.step} / {p.totalSteps}
        </span>
      </label>
      <p className="muted" data-testid="run-speed">
        {speed}
        {' · '}
        {Number.isFinite(p.secondsLeft) ? `${formatDuration(p.secondsLeft)} left` : 'time left unknown'}
      </p>
    </div>
  );
}
