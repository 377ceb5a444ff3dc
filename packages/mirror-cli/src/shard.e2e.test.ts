import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitFile, createSourceRepo, forEachRef, tempDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorReport } from './report/json-report.js';
import { runCli } from './test-support/cli.js';

/** The contract's shard of a target, computed apart from the CLI. */
const shardOf = (target: string, count: number) => createHash('sha256').update(target).digest().readUInt32BE(0) % count;

describe('mirror-git-to-s3 --shard (built CLI, local sources, folder targets)', () => {
  const dir = tempDir();
  const source = (index: number) => join(dir.path, 'repos', `repo-${index}`);
  // Relative targets (the runs start in dir.path) keep the text, and so the shards, the same on every test run.
  const targets = Array.from({ length: 6 }, (_, index) => `mirrors/repo-${index}`);
  const config = join(dir.path, 'mirrors.yaml');
  const written = () => targets.filter((target) => existsSync(join(dir.path, target, 'HEAD')));

  beforeAll(() => {
    for (const index of targets.keys()) {
      createSourceRepo(source(index));
      commitFile(source(index), `only-${index}.txt`, `repository ${index}\n`);
    }
    writeFileSync(config, `mirrors:\n${targets.map((target, index) => `  - source: ${source(index)}\n    target: ${target}\n`).join('')}`);
  });
  afterAll(() => dir.remove());

  it('mirrors each repository in exactly one of the shards 0/3, 1/3 and 2/3, and reports only its own', async () => {
    const expected = [0, 1, 2].map((index) => targets.filter((target) => shardOf(target, 3) === index));
    // Every shard has work, so that a run mirroring nothing (or everything) shows.
    for (const own of expected) expect(own.length).toBeGreaterThan(0);

    const seen: string[] = [];
    for (const index of [0, 1, 2]) {
      const run = await runCli(['--config', config, '--shard', `${index}/3`, '--json'], { cwd: dir.path });
      expect(run.code, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as MirrorReport;
      const own = expected[index];
      expect(report.shard).toEqual({ index, count: 3, skipped: 6 - own.length });
      expect(report.repositories.map((repo) => repo.target).sort()).toEqual(own);
      expect(report.repositories.every((repo) => repo.ok && !repo.upToDate)).toBe(true);
      // What this run wrote on disk is its shard and nothing else.
      expect(written().filter((target) => !seen.includes(target))).toEqual(own);
      seen.push(...own);
      const others = 6 - own.length;
      expect(run.stderr).toMatch(new RegExp(`^${own.length} repositor(y|ies): ${own.length} changed, 0 up to date, 0 failed in .* \\(${others} in other shards\\)$`, 'm'));
    }
    expect(seen.sort()).toEqual(targets);
    for (const [index, target] of targets.entries()) expect(forEachRef(join(dir.path, target))).toBe(forEachRef(source(index)));
  });

  it('reads the index of MIRROR_GIT_TO_S3_SHARD=/3 from JOB_COMPLETION_INDEX', async () => {
    const run = await runCli(['--config', config, '--json', '--dry-run'], { cwd: dir.path, env: { MIRROR_GIT_TO_S3_SHARD: '/3', JOB_COMPLETION_INDEX: '2' } });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as MirrorReport;
    expect(report.shard).toMatchObject({ index: 2, count: 3 });
    expect(report.repositories.map((repo) => repo.target).sort()).toEqual(targets.filter((target) => shardOf(target, 3) === 2));
  });

  it('exits with 2 and shows the form for a shard out of range, or /N without JOB_COMPLETION_INDEX', async () => {
    const outOfRange = await runCli(['--config', config, '--shard', '3/3'], { cwd: dir.path });
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr).toContain("--shard: '3/3' is not a shard: expected I/N with 0 <= I < N, e.g. 0/4");
    const noIndex = await runCli(['--config', config, '--shard', '/3'], { cwd: dir.path, env: { JOB_COMPLETION_INDEX: undefined } });
    expect(noIndex.code).toBe(2);
    expect(noIndex.stderr).toContain("--shard: '/3' takes the index from JOB_COMPLETION_INDEX, which is not set");
  });

  it('puts shard: null in the JSON report of a run without --shard', async () => {
    const run = await runCli(['--config', config, '--json', '--dry-run'], { cwd: dir.path });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as MirrorReport;
    expect(report.shard).toBeNull();
    expect(report.repositories).toHaveLength(6);
    expect(run.stderr).not.toMatch(/other shards/);
  });
});
