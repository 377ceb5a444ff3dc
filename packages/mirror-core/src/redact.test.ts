import { describe, expect, it } from 'vitest';
import { hasUrlPassword, redactSecrets, redactUrl } from './redact.js';

describe('redactUrl', () => {
  it('hides the password of a URL that parses, keeping the user name', () => {
    expect(redactUrl('https://ada:s3cret@example.com/org/repo.git')).toBe('https://ada:***@example.com/org/repo.git');
    expect(redactUrl('s3://AKIA:s3cret@bucket/prefix')).toBe('s3://AKIA:***@bucket/prefix');
  });

  it.each([
    ['an unencoded #', 'https://ada:pa#ss@example.com/repo.git', 'pa#ss'],
    ['an unencoded # after digits (parses, with a port and a fragment)', 'https://ada:123#456@example.com/repo.git', '123#456'],
    ['an unencoded /', 'https://ada:pa/ss@example.com/repo.git', 'pa/ss'],
    ['an unencoded / after digits (parses, with a port and a path)', 'https://ada:123/456@example.com/repo.git', '123/456'],
    ['an unencoded ?', 'https://ada:pa?ss@example.com/repo.git', 'pa?ss'],
    ['an unencoded @', 'https://ada:pa@ss@example.com/repo.git', 'pa@ss'],
    ['an invalid port after it', 'https://ada:secret@example.com:99999/repo.git', 'secret'],
    ['a space', 'https://ada:pa ss@example.com/repo.git', 'pa ss'],
  ])('hides a password with %s', (_, url, password) => {
    const redacted = redactUrl(url);
    expect(redacted).not.toContain(password);
    expect(redacted).toMatch(/^https:\/\/ada:\*\*\*@example\.com/);
    expect(hasUrlPassword(url)).toBe(true);
  });

  it('leaves URLs without a password as they are', () => {
    for (const url of ['https://example.com/repo.git', 'https://ada@example.com/repo.git', 'ssh://git@example.com:2222/repo.git', 'git@example.com:org/repo.git', '/srv/repo.git', 'not a url']) {
      expect(redactUrl(url)).toBe(url);
      expect(hasUrlPassword(url)).toBe(false);
    }
  });
});

describe('redactSecrets', () => {
  it('replaces every occurrence of each secret', () => {
    expect(redactSecrets('token abc, again abc; def', ['abc', 'def', ''])).toBe('token ***, again ***; ***');
  });
});
