import { describe, expect, it } from 'vitest';
import { isLocalUrl } from './local-channel.js';
import { isSshUrl, parseSshUrl, remoteCommand } from './ssh-url.js';

describe('ssh URLs', () => {
  it('parses ssh:// URLs as git does, ~ paths included', () => {
    expect(parseSshUrl('ssh://git@example.com:2222/srv/repo.git')).toEqual({ user: 'git', host: 'example.com', port: 2222, path: '/srv/repo.git' });
    expect(parseSshUrl('git+ssh://example.com/~ada/repo.git')).toEqual({ user: undefined, host: 'example.com', port: 22, path: '~ada/repo.git' });
    expect(parseSshUrl('ssh://[::1]:2222/repo')).toMatchObject({ host: '::1', port: 2222, path: '/repo' });
  });

  it('parses scp-like URLs, relative to the home folder unless absolute', () => {
    expect(parseSshUrl('git@github.com:owner/repo.git')).toEqual({ user: 'git', host: 'github.com', port: 22, path: 'owner/repo.git' });
    expect(parseSshUrl('host:/abs/path')).toEqual({ user: undefined, host: 'host', port: 22, path: '/abs/path' });
    expect(parseSshUrl('ada@[::1]:repo')).toMatchObject({ host: '::1', path: 'repo' });
  });

  it('tells ssh URLs from local paths and other schemes', () => {
    for (const url of ['ssh://h/r', 'git@h:r', 'h:r.git']) expect([url, isSshUrl(url), isLocalUrl(url)]).toEqual([url, true, false]);
    for (const url of ['/srv/repo.git', './repo', 'dir/with:colon', 'file:///srv/repo', 'https://h/r', 's3://b/p']) {
      expect([url, isSshUrl(url)]).toEqual([url, false]);
    }
  });

  it('rejects ssh URLs without a host or path', () => {
    expect(() => parseSshUrl('ssh://example.com/')).toThrow(expect.objectContaining({ code: 'INVALID_URL' }));
    expect(() => parseSshUrl('host:')).toThrow(expect.objectContaining({ code: 'INVALID_URL' }));
  });

  it("quotes the path as git's sq_quote", () => {
    expect(remoteCommand('git-upload-pack', "/srv/it's!.git")).toBe("git-upload-pack '/srv/it'\\''s'\\!'.git'");
  });
});
