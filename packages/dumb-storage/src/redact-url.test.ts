import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.js';

describe('redactUrl', () => {
  it.each([
    ['s3://key:secret@bucket/prefix', 's3://bucket/prefix'],
    ['s3://key:se/cr?et#x@bucket/prefix', 's3://bucket/prefix'],
    ['s3://key:se@cret@bucket/prefix', 's3://bucket/prefix'],
    ['s3://key:99999999999@bucket/prefix', 's3://bucket/prefix'],
    ['https://user:pa/ss@host:notaport/x?token=1', 'https://host:notaport/x'],
    ['s3://bucket/prefix?X-Amz-Signature=abc', 's3://bucket/prefix'],
    ['s3://user@bucket/prefix', 's3://bucket/prefix'],
  ])('hides the user info, query and fragment of %s', (url, expected) => {
    const redacted = redactUrl(url);
    expect(redacted).toBe(expected);
    for (const secret of ['secret', 'se/cr', 'cret', '99999999999', 'pa/ss', 'token', 'abc']) expect(redacted).not.toContain(secret);
  });

  it('leaves URLs without user info as they are', () => {
    expect(redactUrl('file:///srv/mirrors/a@b.git')).toBe('file:///srv/mirrors/a@b.git');
    expect(redactUrl('s3://bucket/team@example/prefix')).toBe('s3://bucket/team@example/prefix');
  });
});
