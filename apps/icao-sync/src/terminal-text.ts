// C0 and C1 controls and DEL (a terminal acts on them), and the Unicode line separators and bidi controls
// that make printed text look other than what it is.
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` safe to print on a terminal: every control character becomes a visible escape (`\x1b`, `\x00`,
 * `\u202e`), so a certificate name cannot move the cursor, recolour or clear the screen, or reorder what is
 * shown. Newlines are escaped too: pass one line (or cell) at a time.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(UNPRINTABLE, (char) => {
    const code = char.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u${code.toString(16)}`;
  });
}

/** Several lines of output, each line escaped on its own, joined with newlines. */
export function escapeOutputLines(lines: readonly string[]): string {
  return lines.map(escapeControlCharacters).join("\n");
}

// What JSON.stringify leaves raw although a terminal acts on it (it escapes only U+0000 to U+001F).
const RAW_IN_JSON = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `JSON.stringify(value)` with every control character `\u`-escaped: the same JSON value, safe on a terminal. */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value).replace(
    RAW_IN_JSON,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
