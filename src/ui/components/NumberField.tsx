// Runs on the page: one numeric field of a form: label, the text as typed, help, and the inline
// error. The text stays as typed; the form parses it (numberText.ts) and passes the error back.

import type { ReactNode } from 'react';
import './fields.css';

export interface NumberFieldProps {
  id: string;
  label: string;
  text: string;
  onChange: (text: string) => void;
  error?: string | undefined;
  help?: ReactNode;
  /** Whole numbers only: a numeric keypad on touch screens. */
  integer?: boolean;
  disabled?: boolean;
  name?: string;
  testId?: string;
}

export function NumberField({
  id,
  label,
  text,
  onChange,
  error,
  help,
  integer,
  disabled,
  name,
  testId,
}: NumberFieldProps) {
  const described = [help ? `${id}-help` : null, error ? `${id}-error` : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        data-testid={testId}
        inputMode={integer ? 'numeric' : 'decimal'}
        value={text}
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={described || undefined}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      />
      {help ? (
        <small id={`${id}-help`} className="muted">
          {help}
        </small>
      ) : null}
      {error ? (
        <small id={`${id}-error`} className="error">
          {error}
        </small>
      ) : null}
    </div>
  );
}
