import { join } from 'node:path';
import { openStorage, type Storage } from '@gitmirror/dumb-storage';
import { commitFile, createKillTestSource, createTestBucket, createTestS3Client, forEachRef, s3TestServers, startStaticServer, suiteDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePacksList } from './dumb-repo/packs-list.js';
import { mirrorRepo } from './mirror-repo.js';
import { KilledAfterWrites, Killed, wasKilled } from './test-support/storage-wrappers.js';
import { expectClonesAs } from './test-support/verify.js';

/** Bounds the kill points tried, so a sync that writes without end still ends the test. */
const MAX_KILL_POINTS = 40;

/** Makes every request of `client` after its `killAfter`-th completed write request fail unsent (a killed process). */
function killClientAfterWrites(client: ReturnType<typeof createTestS3Client>, killAfter: number): void {
  const state = { writes: 0, dead: false };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (state.dead) throw new Killed(`killed after S3 write ${killAfter}`);
      const result = await next(args);
      const write = /^(Put|Create|Upload|Complete|Copy|Delete|Abort)/.test(context.commandName ?? '');
      if (write && ++state.writes === killAfter) state.dead = true;
      return result;
    },
    { step: 'initialize', name: 'killForTests' },
  );
}

/** Whatever a killed sync could have left: temporary or unlisted packs (not replaced by a repack), packs without idx, temporary files. */
async function leftovers(storage: Storage): Promise<string[]> {
  const packsList = await storage.get('objects/info/packs').then(async ({ body }) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return parsePacksList(Buffer.concat(chunks).toString('utf8'));
  });
  const keys: string[] = [];
  for await (const info of storage.list('objects/pack/')) keys.push(info.key.slice('objects/pack/'.length));
  const found = keys.filter((name) => !/^pack-[0-9a-f]{40}\.(pack|idx)$/.test(name));
  // Packs a repack replaced stay, with their marker, until a later run finds them past the grace period.
  const retired = new Set<string>();
  for await (const info of storage.list('gitmirror/retired/')) retired.add(info.key.slice('gitmirror/retired/'.length));
  for (const name of keys.filter((key) => key.endsWith('.pack'))) {
    if (!packsList.includes(name) && !retired.has(name)) found.push(`unlisted ${name}`);
    if (!keys.includes(name.replace(/\.pack$/, '.idx'))) found.push(`no idx for ${name}`);
  }
  for await (const upload of storage.listIncompleteUploads?.('') ?? []) found.push(`${upload.kind} ${upload.key}`);
  return found;
}

describe('a sync killed after any write of its publication', () => {
  const dir = suiteDir('mirror-core-kill-');
  const source = join(dir.path, 'source');
  let server: Awaited<ReturnType<typeof startStaticServer>>;

  beforeAll(async () => {
    createKillTestSource(source);
    server = await startStaticServer({ root: dir.path });
  });
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  /**
   * For each kill point: a first sync (and an incremental one) killed after that many writes, then a re-run with a
   * zero grace period, which must complete, leave nothing behind and make a mirror that clones as the source.
   */
  async function killAtEveryWrite(name: string, open: (killAfter: number) => Promise<{ storage: Storage; cloneUrl: string; fresh: () => Promise<Storage> }>) {
    let completedUnkilled = false;
    for (let killAfter = 1; killAfter <= MAX_KILL_POINTS && !completedUnkilled; killAfter++) {
      const { storage, cloneUrl, fresh } = await open(killAfter);
      const outcome = await mirrorRepo(source, storage, { leftoverGraceMs: 0 }).then(
        () => 'completed',
        (error: unknown) => error,
      );
      if (outcome === 'completed') completedUnkilled = true;
      else expect(wasKilled(outcome), `${name}, killed after write ${killAfter}: ${String(outcome)}`).toBe(true);
      const rerun = await fresh();
      await mirrorRepo(source, rerun, { leftoverGraceMs: 0 });
      expect(await leftovers(rerun), `${name}, killed after write ${killAfter}`).toEqual([]);
      await expectClonesAs(cloneUrl, forEachRef(source), 'refs/heads/develop');
    }
    expect(completedUnkilled).toBe(true);
  }

  it('converges on a folder target at every kill point', { timeout: 300_000 }, async () => {
    await killAtEveryWrite('folder', async (killAfter) => {
      const name = `folder-${killAfter}`;
      const path = join(dir.path, name);
      return {
        storage: new KilledAfterWrites(await openStorage(path), killAfter),
        cloneUrl: `${server.url}/${name}`,
        fresh: () => openStorage(path),
      };
    });
  });

  it('converges on a folder target killed during an incremental sync', { timeout: 300_000 }, async () => {
    const path = join(dir.path, 'incremental');
    await mirrorRepo(source, path);
    for (let killAfter = 1; killAfter <= MAX_KILL_POINTS; killAfter++) {
      commitFile(source, 'more.txt', `incremental sync ${killAfter}\n`);
      const killed = await mirrorRepo(source, new KilledAfterWrites(await openStorage(path), killAfter), { leftoverGraceMs: 0 }).catch((error: unknown) => error);
      if (!wasKilled(killed)) {
        expect(killAfter, 'an incremental sync writes pack, idx, packs list, packed-refs and info/refs').toBeGreaterThan(5);
        break;
      }
      await mirrorRepo(source, path, { leftoverGraceMs: 0 });
      expect(await leftovers(await openStorage(path)), `killed after write ${killAfter}`).toEqual([]);
      await expectClonesAs(`${server.url}/incremental`, forEachRef(source), 'refs/heads/develop');
    }
  });

  for (const { name, server: s3, skipReason } of s3TestServers()) {
    it.skipIf(!s3)(`converges on ${name} at every kill point, a multipart upload included${s3 ? '' : ` (skipped: ${skipReason})`}`, { timeout: 300_000 }, async () => {
      if (!s3) throw new Error(skipReason);
      const bucket = await createTestBucket(s3, { publicRead: true });
      const s3Options = { unquotedIfMatch: name === 'radosgw' };
      const admin = createTestS3Client(s3);
      await killAtEveryWrite(name, async (killAfter) => {
        const target = `s3://${bucket}/kill-${killAfter}`;
        const client = createTestS3Client(s3);
        killClientAfterWrites(client, killAfter);
        return {
          storage: await openStorage(target, { getS3Client: () => client, s3: s3Options }),
          cloneUrl: `${s3.endpoint}/${bucket}/kill-${killAfter}`,
          fresh: () => openStorage(target, { getS3Client: () => admin, s3: s3Options }),
        };
      });
    });
  }
});
