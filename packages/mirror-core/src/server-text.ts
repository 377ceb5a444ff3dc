/**
 * C0 controls but the tab, DEL, C1 controls, and the Unicode bidirectional overrides and isolates (which reorder what
 * a terminal shows). ESC is among them, so no ANSI escape sequence survives: its remaining bytes print as text.
 */
const UNSAFE = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Characters {@link quoteServerText} escapes besides the unsafe ones. */
const QUOTED = /["\\]/g;

function escape(char: string): string {
  const code = char.charCodeAt(0);
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Makes text a server sent (progress lines, error messages, refusal reasons) safe to show on a terminal: every
 * control character but the tab is replaced by a visible escape (`\x1b`, `\n`, `\r`, `\u202e`), so a server can
 * neither move the cursor, retitle or clear the terminal, nor forge lines of its own. Progress lines arrive already
 * split at `\r` and `\n` (git-pktline's side-band reader does it), so a `\r` left in text is not a progress update.
 */
export function sanitizeServerText(text: string): string {
  return text.replace(UNSAFE, escape);
}

/**
 * Quotes a server-provided name (a ref name) for a message: in double quotes, with `"` and `\` escaped as well as
 * every character {@link sanitizeServerText} escapes, so the name reads back unambiguously.
 */
export function quoteServerText(text: string): string {
  return `"${text.replace(QUOTED, (char) => `\\${char}`).replace(UNSAFE, escape)}"`;
}
