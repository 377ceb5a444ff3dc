import { join } from 'node:path';
import { commitFile, createSourceRepo, createTestBucket, forEachRef, gitAsync, s3TestServers, startGitHttpServer, tempDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorReport } from './report/json-report.js';
import { runCli } from './test-support/cli.js';
import { listObjects, s3Settings } from './test-support/s3.js';

describe.each(s3TestServers())('mirror-git-to-s3 to $name (built CLI)', ({ server: s3, skipReason }) => {
  const dir = tempDir();
  const sources = [join(dir.path, 'repos', 'one'), join(dir.path, 'repos', 'two')];
  let gitServer: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    if (!s3) return;
    sources.forEach(createSourceRepo);
    commitFile(sources[1], 'two.txt', 'second\n');
    gitServer = await startGitHttpServer({ projectRoot: join(dir.path, 'repos') });
  });
  afterAll(async () => {
    await gitServer?.close();
    dir.remove();
  });

  it.skipIf(!s3)(`mirrors pairs into a bucket that stock git clones over dumb HTTP, verifies and lists${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    if (!s3) throw new Error(skipReason);
    const bucket = await createTestBucket(s3, { publicRead: true });
    const { args, env } = s3Settings(s3);
    const storageClass = s3.name === 'moto' ? ['--s3-storage-class', 'STANDARD_IA'] : [];
    const targets = ['one', 'two'].map((name) => `s3://${bucket}/mirrors/${name}`);
    const run = await runCli(['--json', ...args, ...storageClass, '--source', `${gitServer.url}/one`, '--target', targets[0], '--source', `${gitServer.url}/two`, '--target', targets[1]], { env });
    expect(run.stderr).toMatch(/2 repositories: 2 changed/);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as MirrorReport).repositories.map((repo) => repo.target)).toEqual(targets);

    for (const [index, name] of ['one', 'two'].entries()) {
      const clone = join(dir.path, `clone-${s3.name}-${name}.git`);
      await gitAsync(dir.path, 'clone', '-q', '--mirror', `${s3.endpoint}/${bucket}/mirrors/${name}`, clone);
      expect(forEachRef(clone)).toBe(forEachRef(sources[index]));
      expect(await runCli(['verify', '--full', targets[index], ...args], { env })).toMatchObject({ code: 0, stderr: expect.stringMatching(/: ok\n$/) });
      expect(await runCli(['ls-refs', targets[index], ...args], { env })).toMatchObject({ code: 0, stdout: await gitAsync(dir.path, 'ls-remote', sources[index]) });
    }
    if (storageClass.length > 0) {
      const packs = (await listObjects(s3, bucket, 'mirrors/one/objects/pack/')).map((object) => object.storageClass);
      expect(packs).toEqual(['STANDARD_IA', 'STANDARD_IA']);
    }
  });

  it.skipIf(!s3)(`--dry-run writes nothing to the bucket${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    if (!s3) throw new Error(skipReason);
    const bucket = await createTestBucket(s3);
    const { args, env } = s3Settings(s3);
    const target = `s3://${bucket}/mirror`;
    const fresh = await runCli(['--json', '--dry-run', ...args, '--source', `${gitServer.url}/one`, '--target', target], { env });
    expect(fresh.code).toBe(0);
    expect((JSON.parse(fresh.stdout) as MirrorReport).repositories[0]).toMatchObject({ upToDate: false, pack: null, created: expect.arrayContaining(['refs/heads/main']) });
    expect(await listObjects(s3, bucket)).toEqual([]);

    expect((await runCli([...args, '--source', `${gitServer.url}/one`, '--target', target], { env })).code).toBe(0);
    const before = await listObjects(s3, bucket);
    commitFile(sources[0], `dry-${s3.name}.txt`, 'not mirrored yet\n');
    const changed = await runCli(['--json', '--dry-run', ...args, '--source', `${gitServer.url}/one`, '--target', target], { env });
    expect((JSON.parse(changed.stdout) as MirrorReport).repositories[0]).toMatchObject({ updated: ['refs/heads/develop'] });
    expect(await listObjects(s3, bucket)).toEqual(before);
  });

  it.skipIf(!s3)(`says what to do when the bucket does not exist${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    if (!s3) throw new Error(skipReason);
    const { args, env } = s3Settings(s3);
    const run = await runCli(['--json', ...args, '--source', `${gitServer.url}/one`, '--target', 's3://gitmirror-no-such-bucket-4242/x'], { env });
    expect(run.code).toBe(1);
    const [repo] = (JSON.parse(run.stdout) as MirrorReport).repositories;
    expect(repo.error).toMatchObject({ code: 'BUCKET_NOT_FOUND', hint: expect.stringContaining('check that the bucket exists') });
    expect(run.stderr).toMatch(/^error: .* -> s3:\/\/gitmirror-no-such-bucket-4242\/x: /m);
  });
});
