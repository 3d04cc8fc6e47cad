// Runs on the page: one choice of a form, typed: the options carry their values (strings or
// numbers), and `onChange` gets the option's own value back, never the DOM's string.

import type { ReactNode } from 'react';
import './fields.css';

export interface SelectOption<T extends string | number> {
  value: T;
  label: string;
}

export interface SelectFieldProps<T extends string | number> {
  id: string;
  label: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange: (value: T) => void;
  error?: string | undefined;
  help?: ReactNode;
  /** Spans two grid columns (a long help text). */
  wide?: boolean;
  disabled?: boolean;
  testId?: string;
}

export function SelectField<T extends string | number>({
  id,
  label,
  value,
  options,
  onChange,
  error,
  help,
  wide,
  disabled,
  testId,
}: SelectFieldProps<T>) {
  return (
    <div className={wide ? 'field wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        data-testid={testId}
        value={value}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        onChange={(e) => {
          const option = options.find((o) => String(o.value) === e.target.value);
          if (option) onChange(option.value);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {help ? <small className="muted">{help}</small> : null}
      {error ? <small className="error">{error}</small> : null}
    </div>
  );
}
