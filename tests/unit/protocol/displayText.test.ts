import { describe, expect, it } from 'vitest';
import { escapeJsonText, escapeText } from '../../../src/protocol/displayText';

describe('escapeText', () => {
  it('shows controls, bidi marks and separators as visible escapes, and leaves other text alone', () => {
    expect(escapeText('a\u001b[31mb\rc\u0000d\u009be')).toBe('a\\x1B[31mb\\x0Dc\\x00d\\x9Be');
    expect(escapeText('exe\u202Efdp.safetensors')).toBe('exe\\u{202E}fdp.safetensors');
    expect(escapeText('\u2066\u2069\u200f\u061c\u2028\ufeff')).toBe(
      '\\u{2066}\\u{2069}\\u{200F}\\u{61C}\\u{2028}\\u{FEFF}',
    );
    // Letters of any script, emoji and ordinary punctuation are text, not controls.
    expect(escapeText('Ünïcødé العربية 日本 🙂 a/b "c"')).toBe('Ünïcødé العربية 日本 🙂 a/b "c"');
  });

  it('keeps JSON valid and its values unchanged', () => {
    const value = { name: 'x\u202e\u0085\u2028y' };
    const text = escapeJsonText(JSON.stringify(value));
    expect(text).toBe('{"name":"x\\u202e\\u0085\\u2028y"}');
    expect(JSON.parse(text)).toEqual(value);
  });
});
