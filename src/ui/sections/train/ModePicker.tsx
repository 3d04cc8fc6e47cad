// Runs on the page: the library models a simplex (one) or complex (two or more) starts from.
// Models that cannot be a mode of this run are listed disabled, with the reason in one line and,
// where the form can be changed to take one, a button that does it.

import type { ModelSummary } from '../../../protocol/commands/models';
import type { FormState } from './settingsForm';
import { WIDTH_LABELS, modeIncompatibility } from './settingsForm';

export function ModePicker({
  form,
  models,
  numClasses,
  error,
  onChange,
  matched,
  onMatch,
}: {
  form: FormState;
  models: readonly ModelSummary[] | null;
  numClasses: number | undefined;
  error: string | undefined;
  onChange: (modes: string[]) => void;
  /** The form changed to take `model` as a mode, or null where no form can. */
  matched: (model: ModelSummary) => FormState | null;
  onMatch: (form: FormState) => void;
}) {
  const single = form.procedure === 'simplex';
  const pair = form.procedure === 'curve';
  const toggle = (id: string, on: boolean) => {
    if (single) onChange(on ? [id] : []);
    // A curve has two ends: a third pick replaces the older one.
    else if (pair) onChange(on ? [...form.modes, id].slice(-2) : form.modes.filter((m) => m !== id));
    else onChange(on ? [...form.modes, id] : form.modes.filter((m) => m !== id));
  };
  return (
    <fieldset className="mode-picker" aria-describedby={error ? 'train-modes-error' : undefined}>
      <legend>
        {single
          ? 'Mode to grow the simplex around (pick one)'
          : pair
            ? 'The curve’s two ends (pick two: the first picked is its start)'
            : 'Modes to connect (pick two or more)'}
      </legend>
      {models === null ? <p className="muted">Loading the model library…</p> : null}
      {models?.length === 0 ? (
        <p className="muted">
          The library is empty: train a base model first, or import one in the Models section.
        </p>
      ) : null}
      {models?.map((model) => {
        const reason = modeIncompatibility(model, form, numClasses);
        const fix = reason ? matched(model) : null;
        return (
          <label key={model.id} className={reason ? 'mode disabled' : 'mode'}>
            <input
              type={single ? 'radio' : 'checkbox'}
              name="train-modes"
              value={model.id}
              disabled={reason !== null}
              checked={form.modes.includes(model.id)}
              onChange={(e) => {
                toggle(model.id, e.target.checked);
              }}
            />
            {model.name}{' '}
            <span className="muted">
              ({model.spec.architecture} ×{WIDTH_LABELS[model.spec.widthScale]}, {model.spec.numClasses}{' '}
              classes
              {reason ? ` — unavailable: ${reason}` : ''})
            </span>
            {fix ? (
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  onMatch(fix);
                }}
              >
                Match the form to it
              </button>
            ) : null}
          </label>
        );
      })}
      {error ? (
        <p id="train-modes-error" className="error">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
