// Runs on the page: one numeric setting: label, the text as typed, help, and the inline error.

import { NUMBER_RULES } from '../../../protocol/settings';
import type { NumericField } from './settingsForm';

export function NumberField({
  field,
  text,
  error,
  onChange,
}: {
  field: NumericField;
  text: string;
  error: string | undefined;
  onChange: (text: string) => void;
}) {
  const id = `train-${field.key}`;
  return (
    <div className="field">
      <label htmlFor={id}>{field.label}</label>
      <input
        id={id}
        name={field.key}
        inputMode={NUMBER_RULES[field.key].integer ? 'numeric' : 'decimal'}
        value={text}
        aria-invalid={error ? true : undefined}
        aria-describedby={`${id}-help${error ? ` ${id}-error` : ''}`}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      />
      <small id={`${id}-help`} className="muted">
        {field.help}
      </small>
      {error ? (
        <small id={`${id}-error`} className="error">
          {error}
        </small>
      ) : null}
    </div>
  );
}
