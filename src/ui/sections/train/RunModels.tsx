// Runs on the page: what a finished run produced, linked to the Models section.

import type { ModelSummary } from '../../../protocol/commands/models';
import type { RunRecord } from '../../../protocol/commands/train';

export function RunModels({ run, models }: { run: RunRecord; models: readonly ModelSummary[] | null }) {
  if (run.modelIds.length === 0) return null;
  return (
    <p className="run-models" data-testid="run-models">
      Produced:{' '}
      {run.modelIds.map((id, i) => {
        const model = models?.find((m) => m.id === id);
        return (
          <span key={id}>
            {i > 0 ? ', ' : ''}
            <a href="#models">{model ? `${model.name} (${model.kind})` : id}</a>
          </span>
        );
      })}{' '}
      <span className="muted">— in the Models section, for surfaces, ensembles and export.</span>
    </p>
  );
}
