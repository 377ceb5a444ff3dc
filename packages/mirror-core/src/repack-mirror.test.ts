import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStorage, type Storage } from '@gitmirror/dumb-storage';
import { createMemoryStorage } from '@gitmirror/dumb-storage/memory';
import { commitFile, createSourceRepo, forEachRef, git, gitAsync, startStaticServer, suiteDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPacksList, parsePacksList } from './dumb-repo/packs-list.js';
import { verifyMirror } from './dumb-repo/verify/verify-mirror.js';
import { ConflictError } from './errors.js';
import { mirrorRepo } from './mirror-repo.js';
import { repackMirror } from './repack-mirror.js';
import { KilledAfterWrites, RecordingStorage, wasKilled } from './test-support/storage-wrappers.js';
import { expectClonesAs, objectsBetween, packObjectIds } from './test-support/verify.js';

const NO_AUTO_REPACK = { target: { autoRepack: false } } as const;
/** Bounds the kill points tried, so a repack that writes without end still ends the test. */
const MAX_KILL_POINTS = 30;

const dir = suiteDir('mirror-core-repack-');
let server: Awaited<ReturnType<typeof startStaticServer>>;
beforeAll(async () => {
  server = await startStaticServer({ root: dir.path });
});
afterAll(async () => {
  await server.close();
  dir.remove();
});

const listedPacks = (mirror: string) => parsePacksList(readFileSync(join(mirror, 'objects/info/packs'), 'utf8'));

/** A source under `<name>/source` and its folder mirror after `syncs` syncs, each after a new commit (no auto repack). */
async function mirrorWithPacks(name: string, syncs: number) {
  const source = createSourceRepo(join(dir.path, name, 'source'));
  const mirror = join(dir.path, name, 'mirror');
  await mirrorRepo(source, mirror, NO_AUTO_REPACK);
  for (let sync = 1; sync < syncs; sync++) {
    commitFile(source, `file-${sync}.txt`, `sync ${sync}\n`.repeat(sync * 20));
    await mirrorRepo(source, mirror, NO_AUTO_REPACK);
  }
  return { source, mirror, url: `${server.url}/${name}/mirror` };
}

/** The idx `git index-pack --strict` writes for a pack file (which it also checks). */
function gitIdx(packPath: string): Buffer {
  const idx = join(dir.path, `check-${Date.now()}-${Math.random()}.idx`);
  execFileSync('git', ['index-pack', '--strict', '-o', idx, packPath], { stdio: 'pipe' });
  return readFileSync(idx);
}

describe('repackMirror', () => {
  it('merges every pack into one: its idx is git index-pack --strict of it, each reachable object once', { timeout: 120_000 }, async () => {
    const { source, mirror, url } = await mirrorWithPacks('all', 5);
    // A second copy of the objects of one sync: a pack the same history was stored in twice.
    const other = join(dir.path, 'all', 'other');
    await mirrorRepo(source, other, NO_AUTO_REPACK);
    const [duplicate] = listedPacks(other);
    for (const ext of ['pack', 'idx']) cpSync(join(other, 'objects/pack', duplicate!.replace(/pack$/, ext)), join(mirror, 'objects/pack', duplicate!.replace(/pack$/, ext)));
    writeFileSync(join(mirror, 'objects/info/packs'), formatPacksList([...listedPacks(mirror), duplicate!]));
    const before = listedPacks(mirror);
    expect(before).toHaveLength(6);

    await expect(repackMirror(mirror, { all: true, memoryBudget: 96 * 5 })).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/nothing was written/) });
    expect(listedPacks(mirror)).toEqual(before);
    const result = await repackMirror(mirror, { all: true });
    const after = listedPacks(mirror);
    expect(after).toEqual([result.pack!.name]);
    expect(result).toMatchObject({ packsBefore: 6, packsAfter: 1, merged: expect.arrayContaining(before) });
    const packPath = join(mirror, 'objects/pack', result.pack!.name);
    const idx = readFileSync(packPath.replace(/pack$/, 'idx'));
    expect(idx.equals(gitIdx(packPath))).toBe(true);
    const ids = packObjectIds(idx);
    expect(ids).toEqual(objectsBetween(source, ['--all'], []));
    expect(result.pack!.duplicates).toBe(packObjectIds(readFileSync(join(other, 'objects/pack', duplicate!.replace(/pack$/, 'idx')))).length);
    await expectClonesAs(url, forEachRef(source));

    // The replaced packs stay for readers that started before, and verify says why; past the grace they go.
    for (const name of before) expect(existsSync(join(mirror, 'objects/pack', name)), name).toBe(true);
    const report = await verifyMirror(await openStorage(mirror), { full: true });
    expect(report.ok).toBe(true);
    expect(report.findings.map((finding) => finding.code)).toEqual(before.map(() => 'RETIRED_PACK'));
    const again = await repackMirror(mirror, { all: true, leftoverGraceMs: 0 });
    expect(again.pack).toBeUndefined();
    expect(again.removed.filter((key) => key.startsWith('objects/pack/') && key.endsWith('.pack')).sort()).toEqual(before.map((name) => `objects/pack/${name}`).sort());
    expect(readdirSync(join(mirror, 'objects/pack')).sort()).toEqual([result.pack!.name, result.pack!.name.replace(/pack$/, 'idx')].sort());
    const markers = join(mirror, 'gitmirror/retired');
    expect(existsSync(markers) ? readdirSync(markers) : []).toEqual([]);
    expect((await verifyMirror(await openStorage(mirror), { full: true })).findings).toEqual([]);
  });

  it('after 20 syncs, the default policy leaves a geometric progression of packs that clones', { timeout: 120_000 }, async () => {
    const { source, mirror, url } = await mirrorWithPacks('geometric', 20);
    expect(listedPacks(mirror)).toHaveLength(20);
    const result = await repackMirror(mirror);
    const sizes = listedPacks(mirror)
      .map((name) => readFileSync(join(mirror, 'objects/pack', name)).length)
      .sort((a, b) => a - b);
    expect(result.packsAfter).toBe(sizes.length);
    expect(sizes.length).toBeLessThanOrEqual(Math.ceil(Math.log2(20)) + 1);
    sizes.forEach((size, i) => expect(size).toBeGreaterThanOrEqual(2 * sizes.slice(0, i).reduce((sum, s) => sum + s, 0) * 0.9));
    await expectClonesAs(url, forEachRef(source));
    expect((await repackMirror(mirror)).pack).toBeUndefined();
  });

  it('runs after each sync by default: 64 syncs leave at most 8 packs, and the mirror clones', { timeout: 240_000 }, async () => {
    const source = createSourceRepo(join(dir.path, 'auto', 'source'));
    const mirror = join(dir.path, 'auto', 'mirror');
    let most = 0;
    for (let sync = 0; sync < 64; sync++) {
      commitFile(source, `file-${sync % 5}.txt`, `sync ${sync}\n`.repeat(10 + (sync % 7) * 30));
      const result = await mirrorRepo(source, mirror);
      most = Math.max(most, listedPacks(mirror).length);
      if (result.repack) expect(result.repack.packsAfter).toBe(listedPacks(mirror).length);
    }
    expect(most).toBeLessThanOrEqual(8);
    await expectClonesAs(`${server.url}/auto/mirror`, forEachRef(source));
    expect((await verifyMirror(await openStorage(mirror))).ok).toBe(true);
  });

  it('keeps every file a clone that started before the switch was told about, and such a clone completes', { timeout: 120_000 }, async () => {
    const { source, mirror, url } = await mirrorWithPacks('during', 6);
    const clone = join(dir.path, 'during', 'clone.git');
    const before = listedPacks(mirror);
    const [cloned] = await Promise.all([gitAsync(dir.path, 'clone', '-q', '--mirror', url, clone), repackMirror(mirror, { all: true })]);
    expect(cloned).toBeDefined();
    git(clone, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(clone)).toBe(forEachRef(source));
    for (const name of before) {
      const response = await fetch(`${url}/objects/pack/${name.replace(/pack$/, 'idx')}`);
      expect(response.status, name).toBe(200);
    }
  });

  it('killed after any write, leaves a mirror that clones, and the next run finishes the job', { timeout: 300_000 }, async () => {
    const { source, mirror } = await mirrorWithPacks('kill', 4);
    let completedUnkilled = false;
    for (let killAfter = 1; killAfter <= MAX_KILL_POINTS && !completedUnkilled; killAfter++) {
      const name = `kill-${killAfter}`;
      const copy = join(dir.path, name);
      cpSync(mirror, copy, { recursive: true });
      const outcome = await repackMirror(new KilledAfterWrites(await openStorage(copy), killAfter), { all: true }).then(
        () => 'completed',
        (error: unknown) => error,
      );
      if (outcome === 'completed') completedUnkilled = true;
      else expect(wasKilled(outcome), `killed after write ${killAfter}: ${String(outcome)}`).toBe(true);
      await expectClonesAs(`${server.url}/${name}`, forEachRef(source));
      expect((await verifyMirror(await openStorage(copy))).ok, `killed after write ${killAfter}`).toBe(true);
      await repackMirror(copy, { all: true, leftoverGraceMs: 0 });
      await repackMirror(copy, { all: true, leftoverGraceMs: 0 });
      expect(listedPacks(copy), `killed after write ${killAfter}`).toHaveLength(1);
      expect((await verifyMirror(await openStorage(copy), { full: true })).findings, `killed after write ${killAfter}`).toEqual([]);
      await expectClonesAs(`${server.url}/${name}`, forEachRef(source));
    }
    expect(completedUnkilled).toBe(true);
  });

  it('races syncs without losing a pack or a ref', { timeout: 300_000 }, async () => {
    const { source, mirror, url } = await mirrorWithPacks('race', 3);
    const storage: Storage = await openStorage(mirror);
    for (let round = 0; round < 12; round++) {
      commitFile(source, `race-${round}.txt`, `round ${round}\n`.repeat(50));
      if (round % 3 === 0) git(source, 'branch', `race-${round}`, 'main');
      const [synced, repacked] = await Promise.allSettled([mirrorRepo(source, storage, NO_AUTO_REPACK), repackMirror(storage, { all: round % 2 === 0 })]);
      expect(synced.status, `round ${round}: ${synced.status === 'rejected' ? String(synced.reason) : ''}`).toBe('fulfilled');
      if (repacked.status === 'rejected') expect(repacked.reason).toBeInstanceOf(ConflictError);
      const report = await verifyMirror(storage, { full: true });
      expect(report.findings.filter((finding) => finding.severity === 'error'), `round ${round}`).toEqual([]);
    }
    expect((await mirrorRepo(source, storage, NO_AUTO_REPACK)).upToDate).toBe(true);
    await expectClonesAs(url, forEachRef(source));
  });

  it('works on the memory sink: every pack into one, the refs and objects all there', async () => {
    const source = createSourceRepo(join(dir.path, 'memory', 'source'));
    const storage = createMemoryStorage('repack');
    for (let sync = 0; sync < 3; sync++) {
      commitFile(source, `memory-${sync}.txt`, `sync ${sync}\n`);
      await mirrorRepo(source, storage, NO_AUTO_REPACK);
    }
    const result = await repackMirror(storage, { all: true });
    expect(result).toMatchObject({ target: storage.url, packsBefore: 3, packsAfter: 1 });
    expect(result.pack!.objects).toBe(objectsBetween(source, ['--all'], []).length);
    const report = await verifyMirror(storage, { full: true });
    expect(report).toMatchObject({ ok: true, packs: 1, objects: result.pack!.objects });
    expect((await mirrorRepo(source, storage, NO_AUTO_REPACK)).upToDate).toBe(true);
  });

  it('lets a sync succeed when another writer compacts the same packs while its own repack runs', { timeout: 60_000 }, async () => {
    const { source, mirror, url } = await mirrorWithPacks('conflict', 3);
    const inner = await openStorage(mirror);
    const storage = new RecordingStorage(inner);
    let competitor: Promise<unknown> | undefined;
    storage.beforeWrite = async (_operation, key) => {
      // The first marker of the sync's repack: another writer merges everything before it goes on.
      if (key.startsWith('gitmirror/retired/') && !competitor) await (competitor = repackMirror(inner, { all: true }));
    };
    commitFile(source, 'conflict.txt', 'one more\n');
    const result = await mirrorRepo(source, storage);
    expect(competitor).toBeDefined();
    expect(result.repack).toBeUndefined();
    expect(listedPacks(mirror)).toHaveLength(1);
    expect((await verifyMirror(inner, { full: true })).ok).toBe(true);
    await expectClonesAs(url, forEachRef(source));
  });

  it('refuses a git server URL with a typed error', async () => {
    await expect(repackMirror('https://example.invalid/repo.git')).rejects.toMatchObject({ name: 'InvalidUrlError' });
  });
});
