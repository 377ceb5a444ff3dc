import { join } from 'node:path';
import { createMemoryStorage } from '@gitmirror/dumb-storage/memory';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@gitmirror/test-servers';
import { openReceivePack, openTarget, targetKind } from './open-target.js';

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

describe('openTarget', () => {
  it('opens a folder as a dumb repository that is also a bare repository, and a memory storage as one that is not', async () => {
    const dir = tempDir('open-target-');
    try {
      const folder = await openTarget(join(dir.path, 'mirror'));
      expect(folder).toMatchObject({ kind: 'folder', bareRepository: true, indexesPacks: true, url: `file://${join(dir.path, 'mirror')}` });
      await folder.close();
      expect(await openTarget(createMemoryStorage())).toMatchObject({ kind: 'folder', bareRepository: false, url: 'memory:memory' });
    } finally {
      dir.remove();
    }
  });

  it('opens a git server target over receive-pack, without connecting yet', async () => {
    const target = await openTarget('http://127.0.0.1:9/repo.git');
    expect(target).toMatchObject({ kind: 'git', bareRepository: false, indexesPacks: false, url: 'http://127.0.0.1:9/repo.git' });
    await target.close();
  });
});
