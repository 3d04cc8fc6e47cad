// Runs on the page: the run's numeric settings that its procedure reads, the loss over draws, and
// under "Controlled comparison" the settings for runs compared step by step.

import { pathBytes } from '../../../protocol/landscapeRuns';
import { NUMBER_RULES } from '../../../protocol/settings';
import { NumberField } from '../../components/NumberField';
import { SelectField } from '../../components/SelectField';
import {
  CURVE_OPTIONS,
  NUMERIC_FIELDS,
  REDUCTION_OPTIONS,
  usesField,
  type NumericField,
} from './settingsForm';
import type { StartForm } from './useStartForm';

function formatBytes(bytes: number): string {
  return bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(1)} GB`
    : `${(bytes / 1e6).toFixed(bytes >= 1e7 ? 0 : 1)} MB`;
}

export function RunNumberFields({ start }: { start: StartForm }) {
  const { form, errors, setForm, settings, dataset } = start;
  const path = settings ? pathBytes(settings, dataset?.classNames.length ?? 10) : null;
  const fields = NUMERIC_FIELDS.filter((f) => usesField(f, form.procedure));
  const numberField = (field: NumericField) => (
    <NumberField
      key={field.key}
      id={`train-${field.key}`}
      name={field.key}
      label={field.label}
      help={field.help}
      integer={NUMBER_RULES[field.key].integer}
      text={form.text[field.key]}
      error={errors[field.key]}
      onChange={(text) => {
        start.edit(field.key, { text: { ...form.text, [field.key]: text } });
      }}
    />
  );
  return (
    <>
      <div className="field-grid">
        {fields.filter((f) => !f.control).map(numberField)}
        {form.procedure === 'curve' ? (
          <SelectField
            id="train-curve"
            label="Curve"
            value={form.curve}
            options={CURVE_OPTIONS}
            help="Bezier: θ(t) = Σ C(K−1, j)·t^j·(1−t)^(K−1−j)·θ_j; PolyChain: straight segments through the points in order (Garipov et al.)."
            onChange={(curve) => {
              setForm((f) => ({ ...f, curve }));
            }}
          />
        ) : null}
        {form.procedure === 'base' || form.procedure === 'curve' ? null : (
          <SelectField
            id="train-reduction"
            label="Loss over draws"
            wide
            value={form.reduction}
            options={REDUCTION_OPTIONS}
            help="The reference adds the n_sample losses up and its learning rates assume it; the mean divides the gradient by n_sample."
            onChange={(reduction) => {
              start.edit('reduction', { reduction });
            }}
          />
        )}
      </div>
      <label className="check">
        <input
          type="checkbox"
          checked={form.keepPath}
          aria-label="Keep the weights of each epoch"
          onChange={(e) => {
            setForm((f) => ({ ...f, keepPath: e.target.checked }));
          }}
        />{' '}
        Keep the weights of each epoch (the training path the Surfaces section draws a plane of)
        {path ? (
          <span className="muted" data-testid="path-storage">
            {' '}
            — {formatBytes(path.perEpoch)} an epoch, {formatBytes(path.total)} for this run’s {path.epochs}{' '}
            epochs
          </span>
        ) : null}
      </label>
      <details className="control-settings">
        <summary>Controlled comparison</summary>
        <p className="muted">
          For runs compared step by step (e.g. with PyTorch): the images as stored and in file order, dropout
          off, a stop after N steps.
        </p>
        <div className="field-grid">
          <label className="check">
            <input
              type="checkbox"
              checked={form.augment}
              onChange={(e) => {
                setForm((f) => ({ ...f, augment: e.target.checked }));
              }}
            />{' '}
            Augment (random crop and flip, the reference’s)
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={form.shuffle}
              onChange={(e) => {
                setForm((f) => ({ ...f, shuffle: e.target.checked }));
              }}
            />{' '}
            Shuffle every epoch (off: file order)
          </label>
          {fields.filter((f) => f.control).map(numberField)}
        </div>
      </details>
    </>
  );
}
