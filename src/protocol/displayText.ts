// Text from a file (tensor names, metadata strings, member and file names, class names) shown on
// a terminal or the page. Control characters could move the cursor, recolour or clear a terminal,
// hide text (carriage return, NUL) or reverse its order on screen (bidi controls), so each is shown
// as a visible escape instead. The one function for it, used wherever such text is displayed.
// Plain data: no DOM, no Node APIs.

/**
 * C0 and C1 controls, DEL, bidi controls (ALM, LRM, RLM, embeddings, overrides, isolates), line and
 * paragraph separators, zero-width and BOM characters that hide or reorder text.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** `text` with every unsafe character written as `\xNN` (below U+0100) or `\u{NNNN}`. */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x100
      ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
      : `\\u{${code.toString(16).toUpperCase()}}`;
  });
}

/** What JSON.stringify leaves raw inside strings: UNSAFE without C0 (which it escapes itself). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * JSON.stringify output with the unsafe characters it leaves raw (DEL, C1, bidi, separators)
 * written as `\uNNNN` escapes: the same JSON value, safe to print; its layout newlines stay.
 */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
