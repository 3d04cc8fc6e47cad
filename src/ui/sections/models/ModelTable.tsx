// Runs on the page: the library as a table, one row per model, with its export buttons.

import { useState } from 'react';
import type { ModelSummary } from '../../../protocol/commands/models';
import { complexLabel, kindLabel, sourceLabel, vertexLabel, widthLabel } from './describe';
import { ModelExportButtons } from './ModelExportButtons';

interface Props {
  models: ModelSummary[];
  /** Shown as a last column when given. */
  onDelete?: (model: ModelSummary) => void;
}

export function ModelTable({ models, onDelete }: Props) {
  return (
    <table data-testid="model-table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Kind</th>
          <th>Architecture</th>
          <th>Width</th>
          <th>Classes</th>
          <th>Vertices</th>
          <th>Dataset</th>
          <th>Source</th>
          <th>Export</th>
          {onDelete ? <th /> : null}
        </tr>
      </thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.id} data-testid="model-row" data-model-id={m.id}>
            <td data-field="name">{m.name}</td>
            <td data-field="kind">{kindLabel(m.kind)}</td>
            <td data-field="architecture">{m.spec.architecture}</td>
            <td data-field="width">{widthLabel(m.spec.widthScale)}</td>
            <td data-field="classes">{m.spec.numClasses}</td>
            <td data-field="vertices" title={`complex ${complexLabel(m.complex)}`}>
              {vertexLabel(m.vertexCount)}
            </td>
            <td data-field="dataset">{m.dataset?.name ?? '—'}</td>
            <td data-field="source">
              {sourceLabel(m.source)}
              <br />
              <span className="muted">{new Date(m.createdAt).toLocaleString()}</span>
            </td>
            <td>
              <ModelExportButtons model={m} />
            </td>
            {onDelete ? (
              <td>
                <DeleteButton
                  onConfirm={() => {
                    onDelete(m);
                  }}
                />
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Two clicks, so a stray one cannot lose a model that took hours to train. */
function DeleteButton({ onConfirm }: { onConfirm: () => void }) {
  const [armed, setArmed] = useState(false);
  return (
    <button
      type="button"
      onClick={() => {
        if (armed) onConfirm();
        else setArmed(true);
      }}
      onBlur={() => {
        setArmed(false);
      }}
    >
      {armed ? 'Really delete?' : 'Delete'}
    </button>
  );
}
