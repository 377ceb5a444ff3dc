import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Storage } from '@gitmirror/dumb-storage';
import { createFsStorage } from '@gitmirror/dumb-storage/fs';
import { createMemoryStorage } from '@gitmirror/dumb-storage/memory';
import { LinkSet, externalLinks, ObjectType } from '@gitmirror/git-pack-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncompleteFetchError, InvalidMirrorError } from './errors.js';
import { mirrorRepo } from './mirror-repo.js';
import { checkConnectivity } from './dumb-repo/connectivity.js';
import { findInPacks } from './dumb-repo/idx-lookup.js';
import type { MirrorRef } from './refs.js';
import { commitFile, createSourceRepo, forEachRef, git, showRefs, suiteDir } from '@gitmirror/test-servers';
import type { FetchRequest, Transport } from './transport/transport.js';

/** Packs what `git pack-objects` makes of `input`: rev-list arguments with `revs`, else object ids. */
function gitPack(repo: string, input: readonly string[], revs = true): Buffer {
  const args = ['pack-objects', '--stdout', '-q', ...(revs ? ['--revs'] : [])];
  return execFileSync('git', args, { cwd: repo, input: input.map((line) => `${line}\n`).join('') });
}

/** A pack of every object the refs of `repo` reach. */
function packAll(repo: string): Buffer {
  return execFileSync('git', ['pack-objects', '--all', '--stdout', '-q'], { cwd: repo, input: '' });
}

/** The pack git sends for a fetch: the wants' objects minus what the haves reach. */
function honestPack(repo: string, request: FetchRequest): Buffer {
  return gitPack(repo, [...request.wants, ...request.haves.map((have) => `^${have}`)]);
}

/**
 * A source that lists `repo`'s refs (plus `extraRefs`) and answers every fetch with `pack(request)`, recording
 * the requests: a server that may advertise objects it never sends.
 */
function fakeSource(repo: string, pack: (request: FetchRequest) => Buffer, extraRefs: MirrorRef[] = []): Transport & { requests: FetchRequest[] } {
  const requests: FetchRequest[] = [];
  return {
    url: 'https://git.example.com/hostile.git',
    requests,
    listRefs: async () => ({ protocolVersion: 2, refs: [...showRefs(repo), ...extraRefs], head: { symref: git(repo, 'symbolic-ref', 'HEAD').trim() } }),
    fetch: async (request) => {
      requests.push(request);
      const bytes = pack(request);
      return (async function* () {
        yield bytes;
      })();
    },
  };
}

/** Every file of a folder with its bytes, to compare a target before and after a failed sync. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  if (!existsSync(dir)) return files;
  for (const name of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!name.isFile()) continue;
    const path = join(name.parentPath, name.name);
    files.set(path.slice(dir.length + 1), readFileSync(path).toString('base64'));
  }
  return files;
}

/** A storage passing every call to `inner`, its `get` replaced. */
function withGet(inner: Storage, get: Storage['get']): Storage {
  return {
    url: inner.url,
    get,
    put: (key, body, options) => inner.put(key, body, options),
    getRange: (key, offset, length, options) => inner.getRange(key, offset, length, options),
    head: (key) => inner.head(key),
    list: (prefix) => inner.list(prefix),
    delete: (keys) => inner.delete(keys),
    copy: (from, to) => inner.copy(from, to),
    move: (from, to) => inner.move(from, to),
  };
}

/** A storage that records the key of every GET. */
function countingGets(inner: Storage): Storage & { gets: string[] } {
  const gets: string[] = [];
  const storage = withGet(inner, (key, options) => {
    gets.push(key);
    return inner.get(key, options);
  });
  return Object.assign(storage, { gets });
}

async function expectIncomplete(sync: Promise<unknown>): Promise<IncompleteFetchError> {
  const error = await sync.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(IncompleteFetchError);
  const incomplete = error as IncompleteFetchError;
  expect(incomplete.code).toBe('MISSING_OBJECTS');
  expect(incomplete.message).toContain('did not send all necessary objects');
  expect(incomplete.missing.length).toBeGreaterThan(0);
  return incomplete;
}

/** The .idx of a pack, as `git index-pack` writes it. */
function gitIdx(dir: string, pack: Buffer): Buffer {
  const path = join(dir, `${randomBytes(6).toString('hex')}.pack`);
  writeFileSync(path, pack);
  execFileSync('git', ['index-pack', path], { cwd: dir });
  return readFileSync(path.replace('.pack', '.idx'));
}

/** The ids a .idx lists, as `git show-index` prints them. */
function idxIds(idx: Buffer): string[] {
  return execFileSync('git', ['show-index'], { input: idx, encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[1]!);
}

describe('mirrorRepo from a source that does not send all necessary objects', () => {
  const dir = suiteDir();
  afterAll(() => dir.remove());

  /** A source of the test's own under `<name>/`, and where its folder mirror goes. */
  const pair = (name: string) => ({ source: createSourceRepo(join(dir.path, name, 'source')), target: join(dir.path, name, 'mirror') });
  /** {@link pair}, mirrored once by an honest sync. */
  const mirrored = async (name: string) => {
    const repos = pair(name);
    await mirrorRepo(repos.source, repos.target);
    return repos;
  };
  /** A first sync from a source advertising a ref at an object it never sends. */
  const ghostSync = (source: string, target: string) => {
    const ghost = randomBytes(20).toString('hex');
    const hostile = fakeSource(source, () => packAll(source), [{ name: 'refs/heads/ghost', oid: ghost }]);
    return { ghost, error: expectIncomplete(mirrorRepo(hostile, target)) };
  };

  it('refuses a first sync whose source advertises a ref at an object it never sends, and writes nothing', async () => {
    const { source, target } = pair('ghost');
    const { ghost, error: refused } = ghostSync(source, target);
    const error = await refused;
    expect(error.missing).toEqual([ghost]);
    expect(error.message).toContain(`${ghost} ("refs/heads/ghost")`);
    expect([...snapshot(target).keys()]).toEqual([]);
  });

  it('is then completed by an honest sync', async () => {
    const { source, target } = pair('completed');
    await ghostSync(source, target).error;
    const result = await mirrorRepo(source, target);
    expect(result.created.length).toBe(showRefs(source).length);
    git(target, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(target)).toBe(forEachRef(source));
  });

  it('refuses an empty pack for new commits and leaves the mirror as it was; an honest sync then fetches them', async () => {
    const { source, target } = await mirrored('empty-pack');
    commitFile(source, 'new.txt', 'new\n');
    const before = snapshot(target);
    const hostile = fakeSource(source, () => gitPack(source, []));
    const error = await expectIncomplete(mirrorRepo(hostile, target));
    expect(error.missing).toEqual([git(source, 'rev-parse', 'HEAD').trim()]);
    expect(snapshot(target)).toEqual(before);

    const result = await mirrorRepo(source, target);
    expect(result.updated).toEqual(['refs/heads/develop']);
    git(target, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(target)).toBe(forEachRef(source));
  });

  it('accepts a pack of only the new objects, the rest being in the packs the mirror lists', async () => {
    const { source, target } = await mirrored('delta');
    commitFile(source, 'more.txt', 'more\n');
    git(source, 'tag', '-a', '-m', 'release 3', 'v3');
    const delta = fakeSource(source, (request) => honestPack(source, request));
    const storage = countingGets(createFsStorage(target));
    const result = await mirrorRepo(delta, storage);
    expect(result.created).toEqual(['refs/tags/v3']);
    // Each pack listed before the sync was read (its tips checked), none more than twice (tips, then links).
    const listed = readFileSync(join(target, 'objects/info/packs'), 'utf8').split('\n').filter(Boolean).slice(0, -1);
    const idxReads = storage.gets.filter((key) => key.endsWith('.idx'));
    expect(new Set(idxReads)).toEqual(new Set(listed.map((line) => `objects/pack/${line.slice(2).replace('.pack', '.idx')}`)));
    expect(idxReads.length).toBeLessThanOrEqual(2 * listed.length);
    // The new commit's parent and its tree's unchanged entries were looked up, and found, after the fetch.
    expect(idxReads.length).toBeGreaterThan(listed.length);
    expect(delta.requests[0]!.haves.length).toBeGreaterThan(0);
    git(target, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(target)).toBe(forEachRef(source));
  });

  it('refuses a pack of a new commit without its tree, naming the tree, and leaves the mirror as it was', async () => {
    const { source, target } = await mirrored('treeless');
    commitFile(source, 'treeless.txt', 'treeless\n');
    const commit = git(source, 'rev-parse', 'HEAD').trim();
    const tree = git(source, 'rev-parse', 'HEAD^{tree}').trim();
    const before = snapshot(target);
    const hostile = fakeSource(source, () => gitPack(source, [commit], false));
    const error = await expectIncomplete(mirrorRepo(hostile, target));
    // The parent is in the mirror's packs; the tree is nowhere.
    expect(error.missing).toEqual([tree]);
    expect(snapshot(target)).toEqual(before);

    const result = await mirrorRepo(source, target);
    expect(result.updated).toEqual(['refs/heads/develop']);
    git(target, 'fsck', '--full', '--strict', '--no-progress');
  });

  it('refuses a pack of every object but one blob', async () => {
    const { source, target } = await mirrored('blobless');
    commitFile(source, 'blob.txt', 'a blob the source will not send\n');
    const blob = git(source, 'rev-parse', 'HEAD:blob.txt').trim();
    const before = snapshot(target);
    const hostile = fakeSource(source, (request) => {
      const objects = git(source, 'rev-list', '--objects', ...request.wants, ...request.haves.map((have) => `^${have}`)).split('\n').filter(Boolean).map((line) => line.slice(0, 40));
      expect(objects).toContain(blob);
      return gitPack(source, objects.filter((id) => id !== blob), false);
    });
    const error = await expectIncomplete(mirrorRepo(hostile, target));
    expect(error.missing).toEqual([blob]);
    expect(snapshot(target)).toEqual(before);
    await mirrorRepo(source, target);
    git(target, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(target)).toBe(forEachRef(source));
  });

  it('makes a no-op sync read no .idx and write nothing', async () => {
    const { source, target } = await mirrored('no-op');
    const storage = countingGets(createFsStorage(target));
    const before = snapshot(target);
    expect((await mirrorRepo(source, storage)).upToDate).toBe(true);
    expect(storage.gets.filter((key) => key.endsWith('.idx'))).toEqual([]);
    expect(snapshot(target)).toEqual(before);
  });

  it('makes a deletion-only sync read no .idx, and a ref moving to a known tip read only until it is found', async () => {
    const { source, target } = await mirrored('refs-only');
    git(source, 'branch', 'doomed', 'main');
    await mirrorRepo(source, target);
    git(source, 'branch', '-D', 'doomed');
    const deleting = countingGets(createFsStorage(target));
    const honest = fakeSource(source, (request) => honestPack(source, request));
    expect((await mirrorRepo(honest, deleting)).deleted).toEqual(['refs/heads/doomed']);
    expect(deleting.gets.filter((key) => key.endsWith('.idx'))).toEqual([]);

    // v0.1 is in the first pack the mirror lists: one .idx read, no fetch.
    git(source, 'branch', '-f', 'feature-x', 'v0.1');
    const moving = countingGets(createFsStorage(target));
    expect((await mirrorRepo(honest, moving)).updated).toEqual(['refs/heads/feature-x']);
    const firstIdx = readFileSync(join(target, 'objects/info/packs'), 'utf8').split('\n')[0]!.slice(2).replace('.pack', '.idx');
    expect(moving.gets.filter((key) => key.endsWith('.idx'))).toEqual([`objects/pack/${firstIdx}`]);
    expect(honest.requests).toEqual([]);
    git(target, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(target)).toBe(forEachRef(source));
  });

  it('does not take a tip whose pack is gone for a have, so the source resends it; refuses a source that does not', async () => {
    const { source, target } = await mirrored('lost-pack');
    commitFile(source, 'lost.txt', 'in the pack the mirror loses\n');
    await mirrorRepo(source, target);
    // Lose the newest pack, as a damaged mirror would: its objects (develop's tip) are in no listed pack.
    const packs = readFileSync(join(target, 'objects/info/packs'), 'utf8').split('\n').filter(Boolean);
    const lost = join(target, 'objects/pack', packs.at(-1)!.slice(2));
    const lostIds = idxIds(readFileSync(lost.replace('.pack', '.idx')));
    writeFileSync(join(target, 'objects/info/packs'), packs.slice(0, -1).map((line) => `${line}\n`).join('') + '\n');
    rmSync(lost);
    rmSync(lost.replace('.pack', '.idx'));
    // A ref moving to a commit the mirror's refs name, which would need no pack if the mirror had it.
    git(source, 'branch', '-f', 'Zeta', 'develop');
    const tip = git(source, 'rev-parse', 'develop').trim();
    expect(lostIds).toContain(tip);

    const before = snapshot(target);
    const hostile = fakeSource(source, () => gitPack(source, []));
    const error = await expectIncomplete(mirrorRepo(hostile, target));
    expect(error.missing).toContain(tip);
    expect(hostile.requests[0]!.wants).toContain(tip);
    expect(hostile.requests[0]!.haves.filter((have) => lostIds.includes(have))).toEqual([]);
    expect(hostile.requests[0]!.haves.length).toBeGreaterThan(0);
    expect(snapshot(target)).toEqual(before);

    const honest = fakeSource(source, (request) => honestPack(source, request));
    const result = await mirrorRepo(honest, target);
    expect(result.updated).toEqual(['refs/heads/Zeta']);
    expect(result.pack).toBeDefined();
    git(target, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(target)).toBe(forEachRef(source));
  });
});

describe('findInPacks', () => {
  const dir = suiteDir();
  const repo = join(dir.path, 'repo');
  let storage: Storage;
  let packed: string[];
  let idxSize: number;
  let packs: string[];
  const packFileName = (pack: Buffer) => `pack-${pack.subarray(-20).toString('hex')}.pack`;

  beforeAll(async () => {
    createSourceRepo(repo);
    storage = createMemoryStorage();
    const pack = packAll(repo);
    const idx = gitIdx(dir.path, pack);
    idxSize = idx.length;
    await storage.put(`objects/pack/${packFileName(pack).replace('.pack', '.idx')}`, idx);
    packed = idxIds(idx);
    packs = [packFileName(pack)];
  });
  afterAll(() => dir.remove());

  /** The storage, with every GET's body cut into chunks of 1 to `largest` bytes; counts the bytes read. */
  function chunking(largest: number): Storage & { bytesRead: number } {
    const wrapper = Object.assign(withGet(storage, async (key, options) => {
      const result = await storage.get(key, options);
      const body = async function* () {
        let seed = 1;
        for await (const chunk of result.body) {
          for (let at = 0; at < chunk.length; ) {
            seed = (seed * 1103515245 + 12345) % 2 ** 31;
            const size = 1 + (seed % largest);
            wrapper.bytesRead += Math.min(size, chunk.length - at);
            yield chunk.subarray(at, at + size);
            at += size;
          }
        }
      };
      return { ...result, body: body() };
    }), { bytesRead: 0 });
    return wrapper;
  }

  const needles = (ids: string[]) => Buffer.from([...ids].sort().join(''), 'hex');

  it('finds exactly the ids the .idx lists, whatever the chunk sizes', async () => {
    const absent = Array.from({ length: 30 }, () => randomBytes(20).toString('hex'));
    const wanted = [...packed.filter((_, i) => i % 3 === 0), ...absent].sort();
    for (const largest of [1, 7, 64, 100_000]) {
      const found = await findInPacks(chunking(largest), [...packs, 'pack-' + 'e'.repeat(40) + '.pack'], needles(wanted));
      expect([...found].map((flag, i) => (flag ? wanted[i] : undefined)).filter(Boolean)).toEqual(wanted.filter((id) => packed.includes(id)));
    }
  });

  it('stops reading once past the needles', async () => {
    const lowest = [...packed].sort()[0]!;
    const counted = chunking(64);
    expect([...(await findInPacks(counted, packs, needles([lowest])))]).toEqual([1]);
    expect(counted.bytesRead).toBeLessThan(8 + 1024 + 64 + 20);
    expect(counted.bytesRead).toBeLessThan(idxSize);
  });

  it('refuses a malformed or truncated .idx with InvalidMirrorError', async () => {
    const key = `objects/pack/${packs[0]!.replace('.pack', '.idx')}`;
    const chunks: Uint8Array[] = [];
    for await (const chunk of (await storage.get(key)).body) chunks.push(chunk);
    const good = Buffer.concat(chunks);
    const broken = createMemoryStorage();
    const highest = needles([[...packed].sort().at(-1)!]);
    await broken.put(key, Buffer.concat([Buffer.from('nope'), good.subarray(4)]));
    await expect(findInPacks(broken, packs, highest)).rejects.toBeInstanceOf(InvalidMirrorError);
    await broken.put(key, good.subarray(0, 8 + 1024 + 20 * 3));
    await expect(findInPacks(broken, packs, highest)).rejects.toThrow(/ends inside its name table/);
  });
});

describe('checkConnectivity with the links of a pack', () => {
  const dir = suiteDir();
  const repo = join(dir.path, 'repo');
  beforeAll(() => createSourceRepo(repo));
  afterAll(() => dir.remove());

  /** The links a pack of `ids` needs from elsewhere, by LinkSet over the objects' content from git. */
  function externalOf(ids: string[]): Uint8Array {
    const links = new LinkSet();
    const batch = execFileSync('git', ['cat-file', '--batch'], { cwd: repo, input: ids.map((id) => `${id}\n`).join('') });
    for (let at = 0; at < batch.length; ) {
      const end = batch.indexOf(0x0a, at);
      const [, type, size] = batch.toString('latin1', at, end).split(' ');
      links.add(ObjectType[type as 'commit'], batch.subarray(end + 1, end + 1 + Number(size)));
      at = end + 1 + Number(size) + 1;
    }
    return externalLinks(links, Buffer.from([...ids].sort().join(''), 'hex'));
  }

  it('names the trees and blobs a pack of commits lacks, and accepts them once a listed pack holds them', async () => {
    const commits = git(repo, 'rev-list', '--all').trim().split('\n');
    const trees = git(repo, 'rev-list', '--all', '--format=%T', '--no-commit-header').trim().split('\n');
    const refs = showRefs(repo);
    const commitPack = gitPack(repo, commits, false);
    const idx = gitIdx(dir.path, commitPack);
    const external = externalOf(commits);
    const storage = createMemoryStorage();
    const present = new Set<string>();
    const check = (packs: string[]) => checkConnectivity(storage, packs, refs, idx, { source: 'https://example.com/x.git', present, external });

    const error = await expectIncomplete(check([]));
    const missingTrees = [...new Set(trees)].sort();
    expect(error.missingCount).toBe(missingTrees.length + refs.filter((ref) => ref.oid !== ref.peeled && ref.peeled).length);
    expect(error.missing.filter((id) => missingTrees.includes(id)).length).toBeGreaterThan(0);

    // A listed pack of everything else: the annotated tags, the trees and the blobs.
    const rest = git(repo, 'rev-list', '--objects', '--all')
      .trim()
      .split('\n')
      .map((line) => line.slice(0, 40))
      .filter((id) => !commits.includes(id));
    const restPack = gitPack(repo, rest, false);
    const restName = `pack-${restPack.subarray(-20).toString('hex')}.pack`;
    await storage.put(`objects/pack/${restName.replace('.pack', '.idx')}`, gitIdx(dir.path, restPack));
    await expect(check([restName])).resolves.toBeUndefined();
  });
});
