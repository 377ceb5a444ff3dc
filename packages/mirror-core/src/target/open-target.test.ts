import { describe, expect, it } from 'vitest';
import { openReceivePack, targetKind } from './open-target.js';

describe('targetKind', () => {
  it('picks the target kind from the URL', () => {
    expect(targetKind('s3://bucket/prefix')).toBe('s3');
    for (const url of ['file:///srv/mirror', '/srv/mirror', './mirror', 'mirror']) expect([url, targetKind(url)]).toEqual([url, 'folder']);
    for (const url of ['https://git.example.com/r.git', 'http://127.0.0.1:8080/r', 'ssh://git@h:2222/r.git', 'git@h:r.git']) {
      expect([url, targetKind(url)]).toEqual([url, 'git']);
    }
  });

  it('refuses to push to what is no git server URL', async () => {
    await expect(openReceivePack('s3://bucket/prefix')).rejects.toMatchObject({ code: 'INVALID_URL' });
  });
});
