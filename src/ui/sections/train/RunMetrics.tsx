// Runs on the page: a run's latest epoch metrics (its final ones once done).

import type { RunRecord } from '../../../protocol/commands/train';
import { formatNumber, formatPercent } from './format';

export function RunMetrics({ run }: { run: RunRecord }) {
  const last = run.history.epochs.at(-1);
  if (!last) return <span className="muted">no epoch finished yet</span>;
  return (
    <span className="run-metrics" data-testid="run-metrics">
      test acc {formatPercent(last.testAccuracy)} · test loss {formatNumber(last.testLoss)} · train acc{' '}
      {formatPercent(last.trainAccuracy)}
      {last.volume !== null ? ` · V ${formatNumber(last.volume)}` : ''}
      <span className="muted">
        {' '}
        (stage {last.stage + 1}, epoch {last.epoch})
      </span>
    </span>
  );
}
