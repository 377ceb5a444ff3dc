import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createFsStorage } from '@gitmirror/dumb-storage/fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorRepo } from './mirror-repo.js';
import { openTransport } from './transport/open-transport.js';
import type { Transport } from './transport/transport.js';
import { commitFile, createSourceRepo, forEachRef, git, startGitHttpServer, startStaticServer, suiteDir, tempDir } from '@gitmirror/test-servers';
import { startHttpProxy } from './test-support/http-proxy.js';
import { RecordingStorage } from './test-support/storage-wrappers.js';
import { expectClonesAs, lsRemote, objectsBetween, packObjectIds } from './test-support/verify.js';

describe('mirrorRepo from a local repository to a folder', () => {
  const dir = suiteDir();
  let server: Awaited<ReturnType<typeof startStaticServer>>;

  beforeAll(async () => {
    mkdirSync(dir.path, { recursive: true });
    server = await startStaticServer({ root: dir.path });
  });
  afterAll(async () => {
    await server.close();
    dir.remove();
  });

  const tips = (repo: string) => git(repo, 'for-each-ref', '--format=%(objectname)').split('\n').filter(Boolean);
  /** A source of the test's own under `<name>/`, and where its folder mirror goes (served at `url`). */
  const pair = (name: string) => {
    const source = createSourceRepo(join(dir.path, name, 'source'));
    return { source, target: join(dir.path, name, 'mirror'), url: `${server.url}/${name}/mirror` };
  };
  /** {@link pair}, mirrored once, with a branch `new-branch` on `main` when `withNewBranch`. */
  const mirrored = async (name: string, withNewBranch = false) => {
    const repos = pair(name);
    if (withNewBranch) git(repos.source, 'branch', 'new-branch', 'main');
    await mirrorRepo(repos.source, repos.target);
    return repos;
  };

  it('writes a dumb mirror that stock git clones over HTTP and uses as a bare repository', async () => {
    const { source, target, url } = pair('first');
    const result = await mirrorRepo(source, target);
    expect(result.upToDate).toBe(false);
    expect(result.created).toHaveLength(tips(source).length);
    expect(result.pack?.objects).toBe(objectsBetween(source, ['--all'], []).length);

    const reference = join(dir.path, 'first', 'reference.git');
    git(dir.path, 'clone', '-q', '--mirror', `file://${source}`, reference);
    git(reference, 'update-server-info');
    expect(readFileSync(join(target, 'info/refs'), 'utf8')).toBe(readFileSync(join(reference, 'info/refs'), 'utf8'));
    expect(readFileSync(join(target, 'HEAD'), 'utf8')).toBe('ref: refs/heads/develop\n');

    await expectClonesAs(url, forEachRef(source), 'refs/heads/develop');
    git(target, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(target)).toBe(forEachRef(source));
    expect(await lsRemote(target)).toBe(await lsRemote(source));
    await expectClonesAs(target, forEachRef(source), 'refs/heads/develop');
  });

  it('makes no write at all when nothing changed', async () => {
    const { source, target } = await mirrored('no-op');
    const storage = new RecordingStorage(createFsStorage(target));
    const result = await mirrorRepo(source, storage);
    expect(result.upToDate).toBe(true);
    expect(storage.writes).toEqual([]);
  });

  it('fetches only the new objects after commits, new and deleted branches, a force push and a new tag', async () => {
    const { source, target, url } = await mirrored('incremental');
    const before = tips(source);
    commitFile(source, 'develop.txt', 'more develop\n');
    git(source, 'branch', 'new-branch', 'main');
    git(source, 'branch', '-D', 'Zeta');
    git(source, 'checkout', '-q', 'feature-x');
    git(source, 'reset', '-q', '--hard', 'HEAD~1');
    commitFile(source, 'forced.txt', 'rewritten history\n');
    git(source, 'tag', '-a', '-m', 'release 2.0', 'v2.0');
    git(source, 'checkout', '-q', 'develop');

    const result = await mirrorRepo(source, target);
    expect(result.created).toEqual(['refs/heads/new-branch', 'refs/tags/v2.0']);
    expect(result.updated).toEqual(['refs/heads/develop', 'refs/heads/feature-x']);
    expect(result.deleted).toEqual(['refs/heads/Zeta']);
    const idx = readFileSync(join(target, 'objects/pack', result.pack!.name.replace('.pack', '.idx')));
    expect(packObjectIds(idx)).toEqual(objectsBetween(source, ['--all'], before));
    expect(readFileSync(join(target, 'objects/info/packs'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);

    git(target, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(target)).toBe(forEachRef(source));
    await expectClonesAs(url, forEachRef(source), 'refs/heads/develop');
  });

  it('moves and deletes refs without a pack when the mirror has the objects', async () => {
    const { source, target, url } = await mirrored('refs-only', true);
    git(source, 'branch', '-f', 'new-branch', 'v0.1');
    git(source, 'tag', '-d', 'v1.0-signed');
    git(source, 'symbolic-ref', 'HEAD', 'refs/heads/main');
    const dryRun = new RecordingStorage(createFsStorage(target));
    const planned = await mirrorRepo(source, dryRun, { dryRun: true });
    expect(planned).toMatchObject({ upToDate: false, updated: ['refs/heads/new-branch'], deleted: ['refs/tags/v1.0-signed'] });
    expect(dryRun.writes).toEqual([]);
    const storage = new RecordingStorage(createFsStorage(target));
    const result = await mirrorRepo(source, storage);
    expect(result.pack).toBeUndefined();
    expect(result.updated).toEqual(['refs/heads/new-branch']);
    expect(result.deleted).toEqual(['refs/tags/v1.0-signed']);
    expect(storage.writes.map((write) => write.key)).toEqual(['packed-refs', 'info/refs', 'HEAD']);
    expect(forEachRef(target)).toBe(forEachRef(source));
    await expectClonesAs(url, forEachRef(source), 'refs/heads/main');
  });

  it('stores no pack when the source sends an empty one for an old commit the mirror holds', async () => {
    const { source, target } = await mirrored('empty-pack', true);
    git(source, 'branch', '-f', 'new-branch', 'main~1');
    const storage = new RecordingStorage(createFsStorage(target));
    const result = await mirrorRepo(source, storage);
    expect(result.updated).toEqual(['refs/heads/new-branch']);
    expect(result.pack).toBeUndefined();
    expect(storage.writes.map((write) => `${write.operation} ${write.key.replace(/tmp_pack_\w+/, 'tmp')}`)).toEqual([
      'put objects/pack/tmp',
      'delete objects/pack/tmp',
      'put packed-refs',
      'put info/refs',
    ]);
    expect(forEachRef(target)).toBe(forEachRef(source));
  });

  it('keeps the previous refs visible when the sink fails at any write, and the next sync completes', async () => {
    const { source, target, url } = await mirrored('faults');
    const template = join(dir.path, 'faults', 'template');
    cpSync(target, template, { recursive: true });
    const previousRefs = forEachRef(target);
    commitFile(source, 'fault.txt', 'fault injection\n');
    git(source, 'branch', 'fault-branch');
    git(source, 'tag', '-a', '-m', 'fault tag', 'v3.0');
    const nextRefs = forEachRef(source);

    for (let failAt = 1; ; failAt++) {
      rmSync(target, { recursive: true, force: true });
      cpSync(template, target, { recursive: true });
      const storage = new RecordingStorage(createFsStorage(target));
      storage.failAt = failAt;
      const outcome = await mirrorRepo(source, storage).then(
        () => undefined,
        (error: Error) => error,
      );
      if (!outcome) {
        expect(failAt).toBeGreaterThan(5);
        break;
      }
      expect(outcome.message).toContain(`injected failure at write ${failAt}`);
      const infoRefsWritten = storage.writes.slice(0, failAt - 1).some((write) => write.key === 'info/refs');
      await expectClonesAs(url, infoRefsWritten ? nextRefs : previousRefs);
      expect(readdirTemp(target)).toEqual([]);
      expect(idxWithoutPack(target)).toEqual([]);

      await mirrorRepo(source, target);
      git(target, 'fsck', '--full', '--no-progress');
      await expectClonesAs(url, nextRefs, 'refs/heads/develop');
    }
  });
});

describe('mirrorRepo of an empty repository', () => {
  it('writes the files git writes for an empty bare repository, HEAD on the unborn branch', async () => {
    const dir = tempDir();
    try {
      const source = join(dir.path, 'empty');
      git(dir.path, 'init', '-q', '-b', 'trunk', source);
      const target = join(dir.path, 'mirror');
      const result = await mirrorRepo(source, target);
      expect(result).toMatchObject({ created: [], pack: undefined });
      const reference = join(dir.path, 'reference.git');
      git(dir.path, 'init', '-q', '--bare', reference);
      git(reference, 'update-server-info');
      for (const file of ['info/refs', 'objects/info/packs']) {
        expect(readFileSync(join(target, file), 'utf8')).toBe(readFileSync(join(reference, file), 'utf8'));
      }
      expect(readFileSync(join(target, 'HEAD'), 'utf8')).toBe('ref: refs/heads/trunk\n');
      git(target, 'fsck', '--full', '--no-progress');
      expect(await lsRemote(target)).toBe('');
      expect((await mirrorRepo(source, target)).upToDate).toBe(true);
    } finally {
      dir.remove();
    }
  });
});

describe('mirrorRepo of a source with a detached HEAD', () => {
  it('writes the HEAD git clone --mirror writes', async () => {
    const dir = tempDir();
    try {
      const source = createSourceRepo(join(dir.path, 'source'));
      for (const [name, revision] of [['on-a-branch', 'feature-x'], ['on-no-branch', 'main~1']]) {
        git(source, 'checkout', '-q', '--detach', revision);
        const reference = join(dir.path, `${name}.git`);
        git(dir.path, 'clone', '-q', '--mirror', `file://${source}`, reference);
        const target = join(dir.path, name);
        await mirrorRepo(source, target);
        expect(readFileSync(join(target, 'HEAD'), 'utf8')).toBe(readFileSync(join(reference, 'HEAD'), 'utf8'));
      }
    } finally {
      dir.remove();
    }
  });
});

describe('mirrorRepo aborted while the pack streams', () => {
  it('leaves neither a published file nor a temporary pack behind, and the next sync completes', async () => {
    const dir = tempDir();
    try {
      const source = join(dir.path, 'source');
      createSourceRepo(source);
      for (let index = 0; index < 4; index++) commitFile(source, `noise-${index}.bin`, randomBytes(1024 * 1024));
      const target = join(dir.path, 'mirror');
      const controller = new AbortController();
      const error = await mirrorRepo(source, target, {
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'pack-progress') controller.abort();
        },
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ABORTED' });
      expectNothingPublished(target);

      await mirrorRepo(source, target);
      git(target, 'fsck', '--full', '--no-progress');
      expect(forEachRef(target)).toBe(forEachRef(source));
    } finally {
      dir.remove();
    }
  });
});

describe('mirrorRepo given a corrupt pack', () => {
  it('fails with the indexer\'s error and publishes nothing', async () => {
    const dir = tempDir();
    try {
      const source = join(dir.path, 'source');
      createSourceRepo(source);
      const inner = await openTransport(source);
      const corrupting: Transport = {
        url: inner.url,
        listRefs: (options) => inner.listRefs(options),
        fetch: async (request) => {
          const pack = await inner.fetch(request);
          return (async function* () {
            let offset = 0;
            for await (const chunk of pack) {
              const copy = Uint8Array.from(chunk);
              if (offset <= 100 && offset + copy.length > 100) copy[100 - offset] ^= 0xff;
              offset += copy.length;
              yield copy;
            }
          })();
        },
      };
      const target = join(dir.path, 'mirror');
      const error = await mirrorRepo(corrupting, target).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'PackError' });
      expectNothingPublished(target);
    } finally {
      dir.remove();
    }
  });
});

describe('mirrorRepo failures from a smart HTTP source', () => {
  const dir = suiteDir();
  const source = join(dir.path, 'source');
  let gitServer: Awaited<ReturnType<typeof startGitHttpServer>>;

  beforeAll(async () => {
    createSourceRepo(source);
    gitServer = await startGitHttpServer({ projectRoot: dir.path });
  });
  afterAll(async () => {
    await gitServer.close();
    dir.remove();
  });

  it('reports a connection dropped mid-pack and publishes nothing', async () => {
    const proxy = await startHttpProxy(gitServer.url, { dropPostResponseAfter: 1500 });
    const target = join(dir.path, 'dropped');
    try {
      const storage = new RecordingStorage(createFsStorage(target));
      const error = await mirrorRepo(`${proxy.url}/source`, storage, { netrc: false }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CONNECTION_LOST' });
      expect((error as Error).message).toContain('the connection ended');
      expect(storage.writes.map((write) => write.operation)).toEqual(['put', 'delete']);
      expectNothingPublished(target);
    } finally {
      await proxy.close();
    }
  });

  it('lets one of two concurrent writers win and fails the other with a conflict', async () => {
    const target = join(dir.path, 'contended');
    const url = `${gitServer.url}/source`;
    await mirrorRepo(url, target, { netrc: false });
    commitFile(source, 'race.txt', 'race\n');
    const slow = new RecordingStorage(createFsStorage(target));
    let rival: Promise<unknown> | undefined;
    slow.beforeWrite = async (_operation, key) => {
      if (key === 'packed-refs') await (rival ??= mirrorRepo(url, target, { netrc: false }));
    };
    await expect(mirrorRepo(url, slow, { netrc: false })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(rival).resolves.toMatchObject({ updated: ['refs/heads/develop'] });
    git(target, 'fsck', '--full', '--no-progress');
    expect(forEachRef(target)).toBe(forEachRef(source));
    expect(readFileSync(join(target, 'objects/info/packs'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });
});

/** Checks that a first sync which failed left no file in its folder target: not a ref, not a pack, not a temporary one. */
function expectNothingPublished(target: string): void {
  expect(readdirSync(target, { recursive: true }).filter((name) => !['objects', 'objects/pack'].includes(String(name)))).toEqual([]);
}

function readdirTemp(target: string): string[] {
  return readdirSync(join(target, 'objects/pack')).filter((name) => name.includes('tmp_pack_'));
}

/** The .idx files of a folder mirror whose pack is not beside them. */
function idxWithoutPack(target: string): string[] {
  const names = readdirSync(join(target, 'objects/pack'));
  return names.filter((name) => name.endsWith('.idx') && !names.includes(name.replace(/\.idx$/, '.pack')));
}
