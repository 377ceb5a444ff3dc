import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitFile, createSourceRepo, createTestBucket, forEachRef, gitAsync, s3TestServers, tempDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorReport } from './report/json-report.js';
import type { RepackReport } from './run-repack.js';
import { runCli } from './test-support/cli.js';
import { servedSourceRepo } from './test-support/served-source.js';
import { listKeys, s3Settings } from './test-support/s3.js';

const listedPacks = (mirror: string) => readFileSync(join(mirror, 'objects/info/packs'), 'utf8').split('\n').filter(Boolean);

describe('mirror-git-to-s3 repack (built CLI, folder mirrors)', () => {
  const dir = tempDir();
  const source = join(dir.path, 'source');
  beforeAll(() => createSourceRepo(source));
  afterAll(() => dir.remove());

  it('merges every pack into one with --all, says what it did, and writes nothing in a dry run', async () => {
    const mirror = join(dir.path, 'all');
    for (let sync = 0; sync < 4; sync++) {
      commitFile(source, `all-${sync}.txt`, `sync ${sync}\n`);
      expect((await runCli(['--no-auto-repack', '--source', source, '--target', mirror])).code).toBe(0);
    }
    expect(listedPacks(mirror)).toHaveLength(4);
    const dry = await runCli(['repack', mirror, '--all', '--dry-run']);
    expect(dry).toMatchObject({ code: 0, stderr: expect.stringMatching(/would merge 4 packs .*: 4 → 1 packs/) });
    expect(listedPacks(mirror)).toHaveLength(4);

    const run = await runCli(['repack', mirror, '--all', '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as RepackReport;
    expect(report).toMatchObject({ command: 'repack', ok: true, dryRun: false, packsBefore: 4, packsAfter: 1, merged: expect.any(Array) });
    expect(report.merged).toHaveLength(4);
    expect(listedPacks(mirror)).toEqual([`P ${report.pack!.name}`]);
    expect(run.stderr).toMatch(/merged 4 packs into pack-[0-9a-f]{40}\.pack \(\d+ objects/);
    expect(await runCli(['verify', '--full', mirror])).toMatchObject({ code: 0, stderr: expect.stringMatching(/RETIRED_PACK|replaced by a repack/) });
    const clone = join(dir.path, 'all-clone.git');
    await gitAsync(dir.path, 'clone', '-q', '--mirror', mirror, clone);
    expect(forEachRef(clone)).toBe(forEachRef(source));
  });

  it('merges after syncs by default, and reports it in --json', async () => {
    const mirror = join(dir.path, 'auto');
    const repacks: MirrorReport['repositories'][number]['repack'][] = [];
    for (let sync = 0; sync < 6; sync++) {
      commitFile(source, `auto-${sync}.txt`, `sync ${sync}\n`);
      const run = await runCli(['--json', '--source', source, '--target', mirror]);
      expect(run.code).toBe(0);
      repacks.push((JSON.parse(run.stdout) as MirrorReport).repositories[0]!.repack);
    }
    expect(repacks.some((repack) => repack !== null)).toBe(true);
    expect(listedPacks(mirror).length).toBeLessThan(6);
    expect(repacks.filter((repack) => repack !== null).at(-1)).toMatchObject({ merged: expect.any(Number), pack: expect.stringMatching(/^pack-/) });
  });

  it('refuses a git server URL with a typed error', async () => {
    const run = await runCli(['repack', 'https://example.invalid/repo.git', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_URL' } });
  });
});

describe.each(s3TestServers())('mirror-git-to-s3 repack on $name (built CLI)', ({ server: s3, skipReason }) => {
  const origin = servedSourceRepo(s3 !== undefined);
  const dir = { path: origin.dir };

  it.skipIf(!s3)(`merges a bucket's packs into one that stock git clones over dumb HTTP${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    if (!s3) throw new Error(skipReason);
    const bucket = await createTestBucket(s3, { publicRead: true });
    const { args, env } = s3Settings(s3);
    const target = `s3://${bucket}/mirror`;
    const repo = origin.path;
    for (let sync = 0; sync < 3; sync++) {
      commitFile(repo, `s3-${sync}.txt`, `sync ${sync}\n`);
      expect((await runCli(['--no-auto-repack', ...args, '--source', origin.url(), '--target', target], { env })).code).toBe(0);
    }
    const run = await runCli(['repack', target, '--all', '--json', ...args], { env });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as RepackReport;
    expect(report).toMatchObject({ packsBefore: 3, packsAfter: 1 });
    expect(await listKeys(s3, bucket, 'mirror/gitmirror/retired/')).toHaveLength(3);
    const clone = join(dir.path, `clone-${s3.name}.git`);
    await gitAsync(dir.path, 'clone', '-q', '--mirror', `${s3.endpoint}/${bucket}/mirror`, clone);
    expect(forEachRef(clone)).toBe(forEachRef(repo));
    expect(await runCli(['verify', '--full', target, ...args], { env })).toMatchObject({ code: 0 });
  });
});
