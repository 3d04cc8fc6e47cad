// Runs on the page: a number field's text as a number. Fields keep the text as typed (so a half
// typed "1e-" is not lost); whether the number is allowed is the caller's rule's call.

export function parseNumberText(text: string, integer: boolean): { value: number; error: string | null } {
  const trimmed = text.trim();
  const value = Number(trimmed);
  if (trimmed === '') return { value, error: 'Required.' };
  if (!Number.isFinite(value)) {
    return {
      value,
      error: integer ? 'Enter a whole number, e.g. 10.' : 'Enter a number, e.g. 0.01 or 1e-10.',
    };
  }
  return { value, error: null };
}
