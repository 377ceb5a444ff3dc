import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKillTestSource, createTestBucket, forEachRef, gitAsync, s3TestServers, startStaticServer, tempDir, type S3TestServer } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/cli.js';
import { s3Settings } from './test-support/s3.js';
import type { VerifyReport } from '@gitmirror/mirror-core';

const PRELOAD = fileURLToPath(new URL('./test-support/kill-after-writes.mjs', import.meta.url));
/** Bounds the kill points tried, so a sync that writes without end still ends the test. */
const MAX_KILL_POINTS = 40;

/** The JSON report of `verify --json`, or a failure showing what the command printed instead. */
function reportOf(run: { stdout: string; stderr: string }): VerifyReport {
  try {
    return JSON.parse(run.stdout) as VerifyReport;
  } catch {
    throw new Error(`verify printed no JSON report:\n${run.stdout}\n${run.stderr}`);
  }
}

describe('mirror-git-to-s3 killed (SIGKILL) after any write, then run again (built CLI)', () => {
  const dir = tempDir();
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

      const left = reportOf(await runCli(['verify', '--json', url, ...settings.args], { env: settings.env }));
      for (const finding of left.findings) if (finding.severity === 'warning') leftoverWarnings.add(finding.code);

      const rerun = await runCli(['--source', source, '--target', url, '--leftover-grace', '1ms', ...settings.args], { env: settings.env });
      expect(rerun, `re-run after a kill after write ${killAfter}`).toMatchObject({ code: 0 });
      const verify = await runCli(['verify', '--full', '--json', url, ...settings.args], { env: settings.env });
      const report = reportOf(verify);
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

  it('converges on a folder target killed in the middle of writing the pack', async () => {
    const target = join(dir.path, 'mid-pack');
    const killed = await runCli(['--source', source, '--target', target], {
      env: { NODE_OPTIONS: `--import=${PRELOAD}`, GITMIRROR_TEST_KILL_AFTER_WRITES: 'mid-pack' },
    });
    expect(killed.signal).toBe('SIGKILL');
    const left = reportOf(await runCli(['verify', '--json', target]));
    expect(left.findings.filter((finding) => finding.severity === 'warning').map((finding) => finding.code)).toEqual(['STRAY_TEMP']);
    expect(await runCli(['--source', source, '--target', target, '--leftover-grace', '1ms'])).toMatchObject({ code: 0 });
    expect(reportOf(await runCli(['verify', '--full', '--json', target]))).toMatchObject({ ok: true, findings: [] });
  });

  /** A folder target holding a lock on `packed-refs` owned by `owner`, as a process killed while holding it leaves it. */
  const lockedFolder = (name: string, owner: { pid: number; hostname: string }) => {
    const target = join(dir.path, name);
    mkdirSync(target, { recursive: true });
    writeFileSync(join(target, '.gitmirror-lock-packed-refs'), JSON.stringify({ ...owner, time: new Date().toISOString() }));
    return target;
  };

  it('breaks at once a folder lock whose owner process on this host is gone', async () => {
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const target = lockedFolder('dead-owner', { pid: gone, hostname: hostname() });
    // The lock is fresh: only the dead owner lets the sync through before the 10 s lock timeout.
    expect(await runCli(['--source', source, '--target', target])).toMatchObject({ code: 0 });
    expect(readdirSync(target).filter((name) => name.startsWith('.gitmirror-'))).toEqual([]);
  });

  it('waits for a fresh lock of another host, then fails naming its owner and how to clear it, without an S3 hint', { timeout: 60_000 }, async () => {
    const target = lockedFolder('other-host', { pid: 4242, hostname: 'build-7.example' });
    const run = await runCli(['--source', source, '--target', target]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/waiting for the lock of packed-refs: \S+\.gitmirror-lock-packed-refs is held by process 4242 on build-7\.example \(since [^)]+\), \d+ s old/);
    expect(run.stderr).toMatch(/delete it if no sync writes to this folder/);
    expect(run.stderr).not.toMatch(/s3|bucket|AWS/i);
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
