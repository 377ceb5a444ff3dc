import { describe, expect, it } from 'vitest';
import { quoteServerText, sanitizeServerText } from './server-text.js';

/** Whether `text` holds a character a terminal acts on (C0 but the tab, DEL, C1). */
function hasControl(text: string): boolean {
  return [...text].some((char) => {
    const code = char.codePointAt(0)!;
    return (code < 0x20 && char !== '\t') || (code >= 0x7f && code <= 0x9f);
  });
}

describe('sanitizeServerText', () => {
  it('turns a terminal title change and a screen clear into visible text', () => {
    const hostile = 'Counting objects: 1\x1b]0;pwned\x07 done\x1b[2J';
    const safe = sanitizeServerText(hostile);
    expect(safe).toBe('Counting objects: 1\\x1b]0;pwned\\x07 done\\x1b[2J');
    expect(hasControl(safe)).toBe(false);
  });

  it('escapes line breaks, so a message cannot forge lines of its own', () => {
    expect(sanitizeServerText('denied\nerror: forged\r')).toBe('denied\\nerror: forged\\r');
  });

  it('escapes C1 controls, DEL, NUL and bidirectional overrides', () => {
    expect(sanitizeServerText('a\u009b2Jb\x7f\0\u202ec')).toBe('a\\x9b2Jb\\x7f\\x00\\u202ec');
  });

  it('keeps tabs, unicode text and plain messages as they are', () => {
    const text = 'remote: Résolution des deltas: 100% (3/3)\tfait — ok 😀';
    expect(sanitizeServerText(text)).toBe(text);
  });
});

describe('quoteServerText', () => {
  it('quotes a name with its quotes and backslashes escaped, and no control character left', () => {
    const quoted = quoteServerText('refs/heads/"a\\b"\n\x1b[31m');
    expect(quoted).toBe('"refs/heads/\\"a\\\\b\\"\\n\\x1b[31m"');
    expect(hasControl(quoted)).toBe(false);
  });
});
