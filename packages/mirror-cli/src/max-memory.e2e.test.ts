import { spawn } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { existsSync, mkdirSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestBucket, forEachRef, git, gitAsync, s3TestServers, startGitHttpServer, tempDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorReport } from './report/json-report.js';
import { BIN, childEnv, finished } from './test-support/cli.js';
import { s3Settings } from './test-support/s3.js';

const MiB = 1024 * 1024;
const GNU_TIME = '/usr/bin/time';
// Under GITMIRROR_REQUIRE_SERVERS (CI installs it with tools/servers/test-tools.sh) a missing GNU time fails the tests.
const hasGnuTime = existsSync(GNU_TIME) || process.env.GITMIRROR_REQUIRE_SERVERS === '1';
const radosgw = s3TestServers().find((slot) => slot.name === 'radosgw')!;

/** A deterministic stream of incompressible bytes (AES-128-CTR of zeros). */
function pseudoRandom(seed: number): (length: number) => Buffer {
  const key = Buffer.alloc(16, seed);
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16));
  return (length) => cipher.update(Buffer.alloc(length));
}

/**
 * A bare repository whose pack is some 70 MiB with deltas: 160 files of 64 KiB, then 400 commits each rewriting 24 KiB
 * of 6 files, written with `git fast-import` and repacked so each version is a delta against another.
 */
async function generateRepo(path: string): Promise<void> {
  git(join(path, '..'), 'init', '-q', '--bare', path);
  const random = pseudoRandom(7);
  const importer = spawn('git', ['-C', path, 'fast-import', '--quiet'], { stdio: ['pipe', 'ignore', 'inherit'] });
  const done = new Promise<number | null>((resolve) => importer.on('close', resolve));
  const write = (data: string | Buffer) => new Promise<void>((resolve) => (importer.stdin.write(data) ? resolve() : importer.stdin.once('drain', resolve)));
  const files = Array.from({ length: 160 }, () => random(64 * 1024));
  let choice = 0;
  let mark = 0;
  for (let commit = 0; commit < 400; commit++) {
    const changed = commit === 0 ? files.map((_, index) => index) : Array.from({ length: 6 }, () => (choice = (choice * 1103515245 + 12345) % 2 ** 31) % files.length);
    const lines: string[] = [];
    for (const index of changed) {
      if (commit > 0) {
        const at = (choice >> 3) % (files[index].length - 24 * 1024);
        files[index] = Buffer.concat([files[index].subarray(0, at), random(24 * 1024), files[index].subarray(at + 24 * 1024)]);
      }
      await write(`blob\nmark :${++mark}\ndata ${files[index].length}\n`);
      await write(files[index]);
      await write('\n');
      lines.push(`M 100644 :${mark} file-${index}.bin\n`);
    }
    const message = `commit ${commit}`;
    await write(`commit refs/heads/main\ncommitter Ada <ada@example.com> ${1_700_000_000 + commit} +0000\ndata ${message.length}\n${message}\n${lines.join('')}\n`);
    if (commit % 100 === 99) await write(`reset refs/tags/v${commit + 1}\nfrom refs/heads/main\n\n`);
  }
  importer.stdin.end();
  expect(await done).toBe(0);
  await gitAsync(path, 'repack', '-adq', '--window=10', '--depth=50');
}

/** Runs the built command under GNU time; returns its exit code, output and peak RSS in bytes. */
async function runMeasured(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string; stdout: string; peakRss: number }> {
  const child = spawn(GNU_TIME, ['-f', 'peak-rss-kib=%M', process.execPath, BIN, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const run = await finished(child);
  const peak = /peak-rss-kib=(\d+)\s*$/.exec(run.stderr);
  if (!peak) throw new Error(`GNU time printed no peak RSS:\n${run.stderr}`);
  return { code: run.code, stdout: run.stdout, stderr: run.stderr, peakRss: Number(peak[1]) * 1024 };
}

function packBytes(repo: string): number {
  const dir = join(repo, 'objects', 'pack');
  return readdirSync(dir).filter((name) => name.endsWith('.pack')).reduce((total, name) => total + statSync(join(dir, name)).size, 0);
}

describe('--max-memory bounds the whole process (built CLI under GNU time, a 70 MiB pack with deltas)', () => {
  const dir = tempDir();
  const source = join(dir.path, 'repos', 'big.git');
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    if (!hasGnuTime) return;
    mkdirSync(join(dir.path, 'repos'));
    await generateRepo(source);
    // The source is served by this process (not a child of the command), so only the command's memory is measured.
    server = await startGitHttpServer({ projectRoot: join(dir.path, 'repos') });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  it.skipIf(!hasGnuTime)(`mirrors into a folder under --max-memory 160M${hasGnuTime ? '' : ' (skipped: /usr/bin/time missing: apt-get install time)'}`, async () => {
    expect(packBytes(source)).toBeGreaterThan(60 * MiB);
    const target = join(dir.path, 'mirror.git');
    const run = await runMeasured(['--json', '--max-memory', '160M', '--source', `${server.url}/big.git`, '--target', target]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.peakRss).toBeLessThan(160 * MiB);
    // A pack larger than the in-memory copy is read back from the folder to resolve its deltas.
    const [repo] = (JSON.parse(run.stdout) as MirrorReport).repositories;
    expect(repo.readBack.requests).toBeGreaterThan(0);
    expect(repo.readBack.bytes).toBeGreaterThan(0);
    expect(repo.readBack.passes).toBeGreaterThan(0);
    const clone = join(dir.path, 'clone.git');
    await gitAsync(dir.path, 'clone', '-q', '--mirror', target, clone);
    expect(forEachRef(clone)).toBe(forEachRef(source));
  }, 300_000);

  const s3Skip = !hasGnuTime ? ' (skipped: /usr/bin/time missing: apt-get install time)' : radosgw.skipReason ? ` (skipped: ${radosgw.skipReason})` : '';
  it.skipIf(!hasGnuTime || !radosgw.server)(`mirrors into radosgw under --max-memory 192M${s3Skip}`, async () => {
    const s3 = radosgw.server!;
    const bucket = await createTestBucket(s3, { publicRead: true });
    const { args, env } = s3Settings(s3);
    const run = await runMeasured(['--max-memory', '192M', ...args, '--source', `${server.url}/big.git`, '--target', `s3://${bucket}/big`], env);
    expect(run.code, run.stderr).toBe(0);
    expect(run.peakRss).toBeLessThan(192 * MiB);
    const clone = join(dir.path, 'clone-s3.git');
    await gitAsync(dir.path, 'clone', '-q', '--mirror', `${s3.endpoint}/${bucket}/big`, clone);
    expect(forEachRef(clone)).toBe(forEachRef(source));
  }, 300_000);
});
