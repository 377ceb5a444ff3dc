import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestBucket, s3TestServers, startStaticServer, type S3TestServer } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/cli.js';
import { createSourceRepo, forEachRef, git, gitAsync, tempDir } from './test-support/git.js';
import { s3Settings } from './test-support/s3.js';
import type { VerifyReport } from './verify/verify-mirror.js';

const PRELOAD = fileURLToPath(new URL('./test-support/kill-after-writes.mjs', import.meta.url));
/** Bounds the kill points tried, so a sync that writes without end still ends the test. */
const MAX_KILL_POINTS = 40;

describe('mirror-git-to-s3 killed (SIGKILL) after any write, then run again (built CLI)', () => {
  const dir = tempDir();
  const source = join(dir.path, 'source');
  let server: Awaited<ReturnType<typeof startStaticServer>>;

  beforeAll(async () => {
    createSourceRepo(source);
    // Incompressible, so on S3 the pack is a multipart upload, and the kill points include its parts.
    writeFileSync(join(source, 'noise.bin'), randomBytes(6 * 1024 * 1024));
    git(source, 'add', 'noise.bin');
    git(source, 'commit', '-q', '-m', 'noise');
    server = await startStaticServer({ root: dir.path });
  });
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  /**
   * Kills a first sync after its 1st, 2nd, … write (until one completes with fewer writes), each into a new target;
   * after each, a second run with a 1 ms grace period must succeed, `verify --full` find nothing, not even a warning,
   * and stock git clone the mirror over dumb HTTP with the source's refs.
   */
  async function killAtEveryWrite(
    target: (killAfter: number) => { url: string; cloneUrl: string },
    settings: { args: string[]; env: Record<string, string> },
  ): Promise<Set<string>> {
    const leftoverWarnings = new Set<string>();
    let completed = false;
    for (let killAfter = 1; killAfter <= MAX_KILL_POINTS && !completed; killAfter++) {
      const { url, cloneUrl } = target(killAfter);
      const killed = await runCli(['--source', source, '--target', url, ...settings.args], {
        env: { ...settings.env, NODE_OPTIONS: `--import=${PRELOAD}`, GITMIRROR_TEST_KILL_AFTER_WRITES: String(killAfter) },
      });
      completed = killed.signal === null;
      if (completed) {
        expect(killed, `the run that was not killed (${killAfter} writes)`).toMatchObject({ code: 0 });
        expect(killAfter, 'kill points: pack upload, move, idx, packs list, packed-refs, info/refs, HEAD at least').toBeGreaterThan(7);
      }
      else expect(killed.signal, `killed after write ${killAfter}: ${killed.stderr}`).toBe('SIGKILL');

      const left = JSON.parse((await runCli(['verify', '--json', url, ...settings.args], { env: settings.env })).stdout) as VerifyReport;
      for (const finding of left.findings) if (finding.severity === 'warning') leftoverWarnings.add(finding.code);

      const rerun = await runCli(['--source', source, '--target', url, '--leftover-grace', '1ms', ...settings.args], { env: settings.env });
      expect(rerun, `re-run after a kill after write ${killAfter}`).toMatchObject({ code: 0 });
      const verify = await runCli(['verify', '--full', '--json', url, ...settings.args], { env: settings.env });
      const report = JSON.parse(verify.stdout) as VerifyReport;
      expect(report.findings, `verify after a kill after write ${killAfter}`).toEqual([]);
      expect(verify.code).toBe(0);
      const clone = join(dir.path, `clone-${randomBytes(4).toString('hex')}.git`);
      await gitAsync(dir.path, 'clone', '-q', '--mirror', cloneUrl, clone);
      expect(forEachRef(clone)).toBe(forEachRef(source));
    }
    expect(completed, `a run needing fewer than ${MAX_KILL_POINTS} writes`).toBe(true);
    return leftoverWarnings;
  }

  it('converges on a folder target, whatever write it was killed after', { timeout: 400_000 }, async () => {
    const warned = await killAtEveryWrite((killAfter) => ({ url: join(dir.path, `folder-${killAfter}`), cloneUrl: `${server.url}/folder-${killAfter}` }), {
      args: [],
      env: {},
    });
    expect([...warned].sort()).toEqual(['LEFTOVER_TEMP_PACK', 'UNLISTED_PACK']);
  });

  const radosgw = s3TestServers().find((slot) => slot.name === 'radosgw');
  it.skipIf(!radosgw?.server)(
    `converges on an S3 target (radosgw), whatever write it was killed after${radosgw?.skipReason ? ` (skipped: ${radosgw.skipReason})` : ''}`,
    { timeout: 400_000 },
    async () => {
      const s3 = radosgw?.server as S3TestServer;
      const bucket = await createTestBucket(s3, { publicRead: true });
      const warned = await killAtEveryWrite((killAfter) => ({ url: `s3://${bucket}/kill-${killAfter}`, cloneUrl: `${s3.endpoint}/${bucket}/kill-${killAfter}` }), s3Settings(s3));
      expect([...warned].sort()).toEqual(['INCOMPLETE_UPLOAD', 'LEFTOVER_TEMP_PACK', 'UNLISTED_PACK']);
    },
  );
});
