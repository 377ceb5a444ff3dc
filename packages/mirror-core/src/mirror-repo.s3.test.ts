import { join } from 'node:path';
import { openStorage } from '@gitmirror/dumb-storage';
import { commitFile, createSourceRepo, createTestBucket, createTestS3Client, forEachRef, git, s3TestServers, startGitHttpServer, suiteDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorRepo } from './mirror-repo.js';
import { RecordingStorage } from './test-support/storage-wrappers.js';
import { expectClonesAs, lsRemote } from './test-support/verify.js';

describe.each(s3TestServers())('mirrorRepo from smart HTTP to $name', ({ server, skipReason }) => {
  const dir = suiteDir();
  const source = join(dir.path, 'source');
  let gitServer: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    createSourceRepo(source);
    gitServer = await startGitHttpServer({ projectRoot: dir.path });
  });
  afterAll(async () => {
    await gitServer?.close();
    dir.remove();
  });

  it.skipIf(!server).each([
    { label: 'protocol v2, default memory budget', protocolVersion: 2, memoryBudget: undefined },
    { label: 'protocol v0, 4 KiB budget (delta bases read back with ranged GETs)', protocolVersion: 0, memoryBudget: 4096 },
  ] as const)('mirrors over $label, incrementally, cloneable over dumb HTTP', async ({ protocolVersion, memoryBudget }) => {
    if (!server) throw new Error(skipReason);
    const bucket = await createTestBucket(server, { publicRead: true });
    const target = `s3://${bucket}/mirrors/v${protocolVersion}`;
    const dumbUrl = `${server.endpoint}/${bucket}/mirrors/v${protocolVersion}`;
    const s3 = { unquotedIfMatch: server.name === 'radosgw' };
    const options = { getS3Client: () => createTestS3Client(server), s3, protocolVersion, memoryBudget, netrc: false } as const;
    const sourceUrl = `${gitServer.url}/source`;

    const first = await mirrorRepo(sourceUrl, target, options);
    expect(first.protocolVersion).toBe(protocolVersion);
    expect(first.pack?.objects).toBeGreaterThan(0);
    await expectClonesAs(dumbUrl, forEachRef(source), 'refs/heads/develop');
    expect(await lsRemote(dumbUrl)).toBe(await lsRemote(source));

    const storage = new RecordingStorage(await openStorage(target, { getS3Client: options.getS3Client, s3 }));
    expect((await mirrorRepo(sourceUrl, storage, options)).upToDate).toBe(true);
    expect(storage.writes).toEqual([]);

    commitFile(source, `v${protocolVersion}.txt`, `incremental over v${protocolVersion}\n`);
    git(source, 'tag', '-a', '-m', 'incremental', `inc-v${protocolVersion}`);
    const second = await mirrorRepo(sourceUrl, storage, options);
    expect(second.created).toEqual([`refs/tags/inc-v${protocolVersion}`]);
    expect(second.updated).toEqual(['refs/heads/develop']);
    expect(second.pack?.objects).toBe(4);
    await expectClonesAs(dumbUrl, forEachRef(source), 'refs/heads/develop');
  });

  it.skipIf(!server)('keeps the previous refs when the bucket fails at any write, and the next sync completes', { timeout: 180_000 }, async () => {
    if (!server) throw new Error(skipReason);
    const before = join(dir.path, 'before');
    const after = join(dir.path, 'after');
    createSourceRepo(before);
    git(dir.path, 'clone', '-q', '--mirror', before, after);
    const work = join(dir.path, 'work');
    git(dir.path, 'clone', '-q', after, work);
    commitFile(work, 'fault.txt', 'fault injection\n');
    git(work, 'push', '-q', after, 'HEAD:refs/heads/fault-branch');
    git(after, 'tag', '-d', 'v0.1');
    const bucket = await createTestBucket(server, { publicRead: true });
    const options = { getS3Client: () => createTestS3Client(server), s3: { unquotedIfMatch: server.name === 'radosgw' } };

    for (let failAt = 1; ; failAt++) {
      const target = `s3://${bucket}/fault-${failAt}`;
      await mirrorRepo(before, target, options);
      const storage = new RecordingStorage(await openStorage(target, options));
      storage.failAt = failAt;
      const error = await mirrorRepo(after, storage, options).then(() => undefined, (e: Error) => e);
      if (!error) {
        expect(failAt).toBeGreaterThan(5);
        break;
      }
      expect(error.message).toContain(`injected failure at write ${failAt}`);
      const infoRefsWritten = storage.writes.slice(0, failAt - 1).some((write) => write.key === 'info/refs');
      await expectClonesAs(`${server.endpoint}/${bucket}/fault-${failAt}`, forEachRef(infoRefsWritten ? after : before));
      const leftovers: string[] = [];
      for await (const object of storage.list('objects/pack/')) if (object.key.includes('tmp_pack_')) leftovers.push(object.key);
      expect(leftovers).toEqual([]);

      await mirrorRepo(after, target, options);
      await expectClonesAs(`${server.endpoint}/${bucket}/fault-${failAt}`, forEachRef(after), 'refs/heads/develop');
    }
  });
});
