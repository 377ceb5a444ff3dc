import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { addLargeCommit, createSourceRepo, createTestBucket, forEachRef, git, gitAsync, s3TestServers, startGitHttpServer, tempDir, type S3TestServer } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorReport } from './report/json-report.js';
import { finished, runCli, spawnCli, waitForOutput } from './test-support/cli.js';
import { listKeys, openMultipartUploads, s3Settings } from './test-support/s3.js';

/** Where one test mirrors to: its URL, flags and environment, how to see an upload in flight, and a dumb-HTTP URL. */
interface Target {
  url: string;
  args: string[];
  env: Record<string, string>;
  uploading(): Promise<boolean>;
  leftovers(): Promise<string[]>;
  cloneUrl: string;
}

describe('Ctrl-C during a large mirror (built CLI)', () => {
  const dir = tempDir();
  const small = join(dir.path, 'repos', 'small');
  const large = join(dir.path, 'repos', 'large.git');
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    createSourceRepo(small);
    git(dir.path, 'clone', '-q', '--mirror', small, large);
    addLargeCommit(large, 'main', 6, 4 * 1024 * 1024);
    server = await startGitHttpServer({ projectRoot: join(dir.path, 'repos') });
  });
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  const folderTarget = (): Target => {
    const path = join(dir.path, 'folder-mirror');
    const packFiles = () => {
      try {
        return readdirSync(join(path, 'objects', 'pack'));
      } catch {
        return [];
      }
    };
    return {
      url: path,
      args: [],
      env: {},
      uploading: async () => packFiles().some((name) => !name.startsWith('pack-')),
      leftovers: async () => packFiles().filter((name) => !/^pack-[0-9a-f]{40}\.(pack|idx)$/.test(name)),
      cloneUrl: path,
    };
  };
  const s3Target = async (s3: S3TestServer): Promise<Target> => {
    const bucket = await createTestBucket(s3, { publicRead: true });
    const { args, env } = s3Settings(s3);
    return {
      url: `s3://${bucket}/mirrors/large`,
      args,
      env,
      uploading: async () => (await openMultipartUploads(s3, bucket)).length > 0,
      leftovers: async () => [...(await openMultipartUploads(s3, bucket)), ...(await listKeys(s3, bucket)).filter((key) => key.includes('tmp_pack'))],
      cloneUrl: `${s3.endpoint}/${bucket}/mirrors/large`,
    };
  };

  const checkMirror = async (target: Target, expectedSource: string) => {
    const verify = await runCli(['verify', '--full', target.url, ...target.args], { env: target.env });
    expect(verify.stderr).toMatch(/: ok\n$/);
    expect(verify.code).toBe(0);
    const lsRefs = await runCli(['ls-refs', target.url, ...target.args], { env: target.env });
    expect(lsRefs.stdout).toBe(await gitAsync(dir.path, 'ls-remote', expectedSource));
    const clone = join(dir.path, `clone-${Math.random().toString(36).slice(2)}.git`);
    await gitAsync(dir.path, 'clone', '-q', '--mirror', target.cloneUrl, clone);
    expect(forEachRef(clone)).toBe(forEachRef(expectedSource));
  };

  it('exits with 130 on SIGINT while waiting for more JSON lines on stdin, and with 143 on SIGTERM', async () => {
    for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      const child = spawnCli(['--config', '-', '--json']);
      const done = finished(child);
      child.stdin?.write(`${JSON.stringify({ source: small, target: join(dir.path, `stdin-${signal}`) })}\n`);
      await waitForOutput(child.stderr!, /stdin-\w+: \d+ created/);
      child.kill(signal);
      const run = await done;
      expect(run.code).toBe(status);
      expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, interruptedBy: signal, repositories: [{ ok: true }] });
    }
  });

  it('stops on a second Ctrl-C too; the mirror still verifies (a temporary pack at most) and the next run completes', async () => {
    const target = join(dir.path, 'twice');
    expect((await runCli(['--source', small, '--target', target])).code).toBe(0);
    const child = spawnCli(['--source', `${server.url}/large.git`, '--target', target]);
    const done = finished(child);
    child.stdin?.end();
    await waitForOutput(child.stderr!, /: fetching\n/);
    child.kill('SIGINT');
    await waitForOutput(child.stderr!, /^interrupted by SIGINT/m);
    child.kill('SIGINT');
    const run = await done;
    // 130 from the handler, or killed by SIGINT once the handler is gone on the way out: a shell shows 130 either way.
    expect(run.code === 130 || run.signal === 'SIGINT').toBe(true);
    const verify = await runCli(['verify', '--json', target]);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout).findings.every((finding: { code: string }) => finding.code === 'LEFTOVER_TEMP_PACK')).toBe(true);
    expect((await runCli(['--source', `${server.url}/large.git`, '--target', target])).code).toBe(0);
    expect((await runCli(['ls-refs', target])).stdout).toBe(await gitAsync(dir.path, 'ls-remote', large));
  });

  const slots = [{ name: 'folder', server: undefined, skipReason: undefined }, ...s3TestServers()];
  for (const { name, server: s3, skipReason } of slots) {
    const skipped = skipReason === undefined ? '' : ` (skipped: ${skipReason})`;
    it.skipIf(skipped !== '')(`to ${name}: exits with 130, leaves the previous mirror intact and nothing behind; the next run completes${skipped}`, async () => {
      const target = s3 ? await s3Target(s3) : folderTarget();
      expect((await runCli(['--source', `${server.url}/small`, '--target', target.url, ...target.args], { env: target.env })).code).toBe(0);

      const child = spawnCli(['--json', '--source', `${server.url}/large.git`, '--target', target.url, ...target.args], { env: target.env });
      const done = finished(child);
      child.stdin?.end();
      await waitForOutput(child.stderr!, /: fetching\n/);
      while (child.exitCode === null && !(await target.uploading())) await sleep(20);
      child.kill('SIGINT');
      const run = await done;
      expect(run.code).toBe(130);
      expect(run.stderr).toMatch(/^interrupted by SIGINT: stopping/m);
      const report = JSON.parse(run.stdout) as MirrorReport;
      expect(report).toMatchObject({ ok: false, interruptedBy: 'SIGINT', repositories: [{ ok: false, error: { code: 'ABORTED' } }] });

      expect(await target.leftovers()).toEqual([]);
      await checkMirror(target, small);

      const next = await runCli(['--json', '--source', `${server.url}/large.git`, '--target', target.url, ...target.args], { env: target.env });
      expect(next.code).toBe(0);
      expect((JSON.parse(next.stdout) as MirrorReport).repositories[0]).toMatchObject({ ok: true, updated: ['refs/heads/main'], objects: 6 + 3 }); // six blobs, the commit, the root and large/ trees
      await checkMirror(target, large);
    });
  }
});
