import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/cli.js';
import { commitFile, createSourceRepo, git, tempDir } from '@gitmirror/test-servers';
import type { MirrorReport } from './report/json-report.js';
import type { VerifyReport } from '@gitmirror/mirror-core';

describe('mirror-git-to-s3 verify --full checks that the packs are closed (built CLI, folder mirrors)', () => {
  const dir = tempDir();
  const source = join(dir.path, 'source');
  const good = join(dir.path, 'good');

  beforeAll(async () => {
    createSourceRepo(source);
    expect((await runCli(['--source', source, '--target', good])).code).toBe(0);
    // A second pack whose commit's parent, and its tree's unchanged entries, are in the first.
    commitFile(source, 'second.txt', 'a second pack\n');
    expect((await runCli(['--source', source, '--target', good])).code).toBe(0);
  });
  afterAll(() => dir.remove());

  const verify = async (mirror: string, ...flags: string[]) => {
    const run = await runCli(['verify', mirror, '--json', ...flags]);
    return { ...run, report: JSON.parse(run.stdout) as VerifyReport };
  };

  const allObjects = () => [...new Set(git(source, 'rev-list', '--objects', '--all').split('\n').filter(Boolean).map((line) => line.slice(0, 40)))];

  /** A copy of the good mirror whose packs are replaced by one pack of `objects` (from the source repository). */
  const withOnePack = (name: string, objects: readonly string[]): string => {
    const mirror = join(dir.path, name);
    cpSync(good, mirror, { recursive: true });
    const pack = execFileSync('git', ['pack-objects', '--stdout', '-q'], { cwd: source, input: objects.join('\n') + '\n' });
    const packDir = join(mirror, 'objects', 'pack');
    for (const line of readFileSync(join(mirror, 'objects', 'info', 'packs'), 'utf8').split('\n').filter(Boolean)) {
      rmSync(join(packDir, line.slice(2)));
      rmSync(join(packDir, line.slice(2).replace('.pack', '.idx')));
    }
    const packName = `pack-${pack.subarray(-20).toString('hex')}.pack`;
    writeFileSync(join(packDir, packName), pack);
    execFileSync('git', ['index-pack', join(packDir, packName)], { cwd: dir.path });
    writeFileSync(join(mirror, 'objects', 'info', 'packs'), `P ${packName}\n\n`);
    return mirror;
  };
  const withOnePackWithout = (name: string, leftOut: string): string => {
    expect(allObjects()).toContain(leftOut);
    return withOnePack(name, allObjects().filter((id) => id !== leftOut));
  };

  it('passes a mirror whose second pack links into the first', async () => {
    const { code, report } = await verify(good, '--full');
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
  });

  it('flags a pack that lacks a blob, which only --full sees', async () => {
    const blob = git(source, 'rev-parse', 'HEAD:logo.bin').trim();
    const mirror = withOnePackWithout('no-blob', blob);
    expect((await verify(mirror)).code).toBe(0);
    const { code, report } = await verify(mirror, '--full');
    expect(code).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ severity: 'error', code: 'MISSING_LINKED_OBJECT' })]);
    expect(report.findings[0]!.message).toContain(`1 object(s)`);
    expect(report.findings[0]!.message).toContain(blob);
    const human = await runCli(['verify', mirror, '--full']);
    expect(human.code).toBe(1);
    expect(human.stderr).toContain('did not send all necessary objects');
    // Stock git agrees that the mirror is broken.
    const fsck = spawnSync('git', ['fsck', '--full', '--no-progress'], { cwd: mirror, encoding: 'utf8' });
    expect(fsck.status).not.toBe(0);
    expect(fsck.stdout + fsck.stderr).toContain(`missing blob ${blob}`);
  });

  it('flags a pack that lacks a tree', async () => {
    const tree = git(source, 'rev-parse', 'HEAD~1^{tree}').trim();
    const { code, report } = await verify(withOnePackWithout('no-tree', tree), '--full');
    expect(code).toBe(1);
    expect(report.findings.map((finding) => finding.code)).toEqual(['MISSING_LINKED_OBJECT']);
    expect(report.findings[0]!.message).toContain(tree);
  });

  it('flags a packed-refs tip that no listed pack holds', async () => {
    const mirror = join(dir.path, 'packed-refs');
    cpSync(good, mirror, { recursive: true });
    const packedRefs = join(mirror, 'packed-refs');
    const ghost = '0123456789abcdef0123456789abcdef01234567';
    writeFileSync(packedRefs, readFileSync(packedRefs, 'utf8').replace(/^[0-9a-f]{40}(?= refs\/heads\/main$)/m, ghost));
    expect((await verify(mirror)).code).toBe(0);
    const { code, report } = await verify(mirror, '--full');
    expect(code).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ code: 'MISSING_OBJECT', key: 'packed-refs', message: `packed-refs: refs/heads/main names ${ghost}, which no listed pack holds` })]);
  });

  it('reports a pack holding a malformed tree, which git index-pack took, as BAD_PACK', async () => {
    const badTree = execFileSync('git', ['hash-object', '-t', 'tree', '--literally', '-w', '--stdin'], { cwd: source, input: Buffer.from('100644 truncated\0abc') }).toString().trim();
    const mirror = withOnePack('bad-tree', [...allObjects(), badTree]);
    expect((await verify(mirror)).code).toBe(0);
    const { code, report } = await verify(mirror, '--full');
    expect(code).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ severity: 'error', code: 'BAD_PACK', message: expect.stringMatching(/tree entry at byte 0 is truncated/) })]);
  });
});

describe('mirror-git-to-s3 from a source that lacks objects its refs need (built CLI)', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('fails a shallow clone with MISSING_OBJECTS and a hint, publishing nothing; the full source then mirrors', async () => {
    const full = join(dir.path, 'full');
    createSourceRepo(full);
    const shallow = join(dir.path, 'shallow');
    git(dir.path, 'clone', '-q', '--depth', '1', '--no-single-branch', `file://${full}`, shallow);
    const target = join(dir.path, 'mirror');
    const run = await runCli(['--json', '--source', shallow, '--target', target]);
    expect(run.code).toBe(1);
    const [repository] = (JSON.parse(run.stdout) as MirrorReport).repositories;
    expect(repository).toMatchObject({ ok: false, pack: null, error: { code: 'MISSING_OBJECTS', message: expect.stringContaining('did not send all necessary objects'), hint: expect.stringMatching(/shallow clone/) } });
    // The shallow clone's boundary commits name parents it does not have.
    const boundary = readFileSync(join(shallow, '.git', 'shallow'), 'utf8').trim().split('\n');
    const parents = boundary.flatMap((commit) => git(full, 'rev-list', '--parents', '-n', '1', commit).trim().split(' ').slice(1));
    expect(parents.some((parent) => repository!.error!.message.includes(parent))).toBe(true);
    expect(readdirSync(target, { recursive: true }).filter((name) => !['objects', 'objects/pack'].includes(String(name)))).toEqual([]);

    expect((await runCli(['--source', full, '--target', target])).code).toBe(0);
    expect((await runCli(['verify', target, '--full'])).code).toBe(0);
  });
});
