// Runs on the page: the Ensembles form's first card: the evaluation dataset and the library's
// simplexes to tick, each disabled with its reason when it cannot join.

import type { DatasetInfo } from '../../../protocol/commands/data';
import type { ErrorInfo } from '../../../protocol/errors';
import { ErrorNotice } from '../../components/ErrorNotice';
import { SelectField } from '../../components/SelectField';
import type { Candidate } from './candidates';

export interface ComponentsPanelProps {
  datasets: readonly DatasetInfo[];
  dataset: DatasetInfo | null;
  onDataset: (id: string) => void;
  /** Null while the library is listed. */
  list: readonly Candidate[] | null;
  selected: ReadonlySet<string>;
  onToggle: (key: string, on: boolean) => void;
  /** The list cannot change while an evaluation runs. */
  locked: boolean;
  error: ErrorInfo | null;
  onReload: () => void;
}

export function ComponentsPanel(props: ComponentsPanelProps) {
  const { datasets, dataset, list, selected, locked } = props;
  return (
    <div className="card">
      <h3 style={{ marginTop: 0 }}>Components</h3>
      {props.error ? <ErrorNotice error={props.error} /> : null}
      <div className="field-inline">
        <SelectField
          id="ensemble-dataset"
          label="Evaluation dataset"
          value={dataset?.id ?? ''}
          options={datasets.map((d) => ({
            value: d.id,
            label: `${d.name} (${d.classNames.length} classes, ${d.splits.test.count} test images)`,
          }))}
          onChange={props.onDataset}
        />
        <button type="button" onClick={props.onReload}>
          Refresh library
        </button>
      </div>
      {list === null ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted" data-testid="ensemble-no-models">
          No models yet: train or import some in the Train or Models section.
        </p>
      ) : (
        <ul style={{ listStyle: 'none', paddingLeft: 0 }}>
          {list.map((c) => (
            <li key={c.key} data-testid="ensemble-candidate">
              <label className={c.disabled ? 'muted' : undefined}>
                <input
                  type="checkbox"
                  checked={selected.has(c.key) && c.disabled === null}
                  disabled={c.disabled !== null || locked}
                  onChange={(e) => {
                    props.onToggle(c.key, e.target.checked);
                  }}
                />{' '}
                {c.label}
              </label>{' '}
              <span className="muted" data-field="why">
                {c.disabled ? `— not available: ${c.disabled}` : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="muted">
        Each simplex is one component. Components are averaged class by class on the same images, so they must
        share architecture, width and classes, and be trained on the dataset evaluated (or imported without
        one). The first k chosen, in this order, make the k-component points of the plots.
      </p>
    </div>
  );
}
