import { appendFileSync, cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/cli.js';
import { commitFile, createSourceRepo, git, tempDir } from '@gitmirror/test-servers';
import type { VerifyReport } from '@gitmirror/mirror-core';

describe('mirror-git-to-s3 verify (built CLI, folder mirrors)', () => {
  const dir = tempDir();
  const source = join(dir.path, 'source');
  const good = join(dir.path, 'good');
  let packs: string[];

  beforeAll(async () => {
    createSourceRepo(source);
    expect((await runCli(['--source', source, '--target', good])).code).toBe(0);
    commitFile(source, 'second.txt', 'a second pack\n');
    git(source, 'tag', '-a', '-m', 'second', 'v2.0');
    expect((await runCli(['--source', source, '--target', good])).code).toBe(0);
    packs = readFileSync(join(good, 'objects', 'info', 'packs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.slice(2));
    expect(packs).toHaveLength(2);
  });
  afterAll(() => dir.remove());

  /** A copy of the good mirror, broken by `damage`. */
  const broken = (name: string, damage: (mirror: string) => void): string => {
    const mirror = join(dir.path, name);
    cpSync(good, mirror, { recursive: true });
    damage(mirror);
    return mirror;
  };
  const verify = async (mirror: string, ...flags: string[]) => {
    const run = await runCli(['verify', mirror, '--json', ...flags]);
    return { ...run, report: JSON.parse(run.stdout) as VerifyReport };
  };
  const objectCount = () => new Set(git(source, 'rev-list', '--objects', '--all').split('\n').filter(Boolean).map((line) => line.slice(0, 40))).size;

  it('passes on a good mirror, quickly and with --full', async () => {
    const refs = git(source, 'for-each-ref').trim().split('\n').length;
    for (const flags of [[], ['--full']]) {
      const { code, report } = await verify(good, ...flags);
      expect(code).toBe(0);
      expect(report).toEqual({ target: `file://${good}`, ok: true, refs, packs: 2, objects: objectCount(), findings: [] });
    }
    const human = await runCli(['verify', good]);
    expect(human).toMatchObject({ code: 0, stdout: '', stderr: `file://${good}: ${refs} refs, 2 packs, ${objectCount()} objects: ok\n` });
  });

  it.each([
    {
      label: 'a missing idx',
      damage: (mirror: string, [first]: string[]) => rmSync(join(mirror, 'objects', 'pack', first.replace('.pack', '.idx'))),
      codes: ['MISSING_IDX', 'MISSING_OBJECT'],
      message: /has no index/,
    },
    {
      label: 'a ref to a missing object',
      damage: (mirror: string) => {
        const infoRefs = join(mirror, 'info', 'refs');
        writeFileSync(infoRefs, readFileSync(infoRefs, 'utf8').replace(/^[0-9a-f]{40}(?=\trefs\/heads\/main$)/m, '0123456789abcdef0123456789abcdef01234567'));
      },
      codes: ['MISSING_OBJECT'],
      message: /^error: refs\/heads\/main points to 0123456789abcdef0123456789abcdef01234567, which no listed pack holds$/m,
    },
    {
      label: 'a packs list out of date',
      damage: (mirror: string, [first]: string[]) => writeFileSync(join(mirror, 'objects', 'info', 'packs'), `P ${first}\n\n`),
      codes: ['UNLISTED_PACK', 'MISSING_OBJECT'],
      message: /is not listed in objects\/info\/packs/,
    },
    {
      label: 'a packs list naming a pack that is gone',
      damage: (mirror: string, [first]: string[]) => appendFileSync(join(mirror, 'objects', 'info', 'packs'), `P ${first.replace(/[0-9a-f]{40}/, 'f'.repeat(40))}\n`),
      codes: ['LISTED_PACK_MISSING'],
      message: /lists pack-f{40}\.pack, which does not exist/,
    },
    {
      label: 'a HEAD to a missing branch',
      damage: (mirror: string) => writeFileSync(join(mirror, 'HEAD'), 'ref: refs/heads/gone\n'),
      codes: ['HEAD_DANGLING'],
      message: /HEAD points to refs\/heads\/gone/,
    },
    {
      label: 'an idx of another pack',
      damage: (mirror: string, [first, second]: string[]) =>
        cpSync(join(mirror, 'objects', 'pack', second.replace('.pack', '.idx')), join(mirror, 'objects', 'pack', first.replace('.pack', '.idx'))),
      codes: ['IDX_MISMATCH', 'OBJECT_COUNT_MISMATCH', 'MISSING_OBJECT'],
      message: /its index describes pack/,
    },
  ])('finds $label and exits with 1', async ({ damage, codes, message }) => {
    const mirror = broken(codes.join('-').toLowerCase() + Math.random().toString(36).slice(2), (path) => damage(path, packs));
    const { code, report } = await verify(mirror);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect([...new Set(report.findings.map((finding) => finding.code))].sort()).toEqual([...codes].sort());
    const human = await runCli(['verify', mirror]);
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(message);
    expect(human.stderr).toMatch(/: \d+ problems?\n$/);
  });

  it('finds a corrupted pack body only with --full (checksum and CRC32 per object)', async () => {
    const mirror = broken('corrupt', (path) => {
      const packFile = join(path, 'objects', 'pack', packs[0]);
      const bytes = readFileSync(packFile);
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      writeFileSync(packFile, bytes);
    });
    expect((await verify(mirror)).code).toBe(0);
    const full = await verify(mirror, '--full');
    expect(full.code).toBe(1);
    expect(full.report.findings.map((finding) => finding.code).sort()).toEqual(['CRC_MISMATCH', 'PACK_CHECKSUM_MISMATCH']);
    expect(full.report.findings.find((finding) => finding.code === 'CRC_MISMATCH')?.message).toMatch(/1 object\(s\) do not match the CRC32/);
  });

  it('warns about a leftover temporary pack without failing', async () => {
    const mirror = broken('leftover', (path) => writeFileSync(join(path, 'objects', 'pack', 'tmp_pack_0123456789abcdef'), 'partial'));
    const { code, report } = await verify(mirror);
    expect(code).toBe(0);
    expect(report.findings).toEqual([expect.objectContaining({ severity: 'warning', code: 'LEFTOVER_TEMP_PACK' })]);
  });

  it('warns about each kind of leftover a killed sync leaves without failing; a sync past the grace period removes them, even one with nothing to fetch', async () => {
    const fake = (digit: string) => `pack-${digit.repeat(40)}`;
    const mirror = broken('killed', (path) => {
      const packDir = join(path, 'objects', 'pack');
      writeFileSync(join(packDir, 'tmp_pack_0123456789abcdef'), 'partial');
      writeFileSync(join(packDir, '.gitmirror-tmp-0123'), 'partial');
      cpSync(join(packDir, packs[1]), join(packDir, `${fake('e')}.pack`));
      cpSync(join(packDir, packs[1]), join(packDir, `${fake('f')}.pack`));
      cpSync(join(packDir, packs[1].replace('.pack', '.idx')), join(packDir, `${fake('f')}.idx`));
    });
    const { code, report } = await verify(mirror);
    expect(code).toBe(0);
    expect(report.findings.map(({ severity, code, key }) => ({ severity, code, key }))).toEqual([
      { severity: 'warning', code: 'LEFTOVER_TEMP_PACK', key: 'objects/pack/tmp_pack_0123456789abcdef' },
      { severity: 'warning', code: 'UNLISTED_PACK', key: `objects/pack/${fake('e')}.pack` },
      { severity: 'warning', code: 'UNLISTED_PACK', key: `objects/pack/${fake('f')}.pack` },
      { severity: 'warning', code: 'STRAY_TEMP', key: 'objects/pack/.gitmirror-tmp-0123' },
    ]);
    expect(report.findings[1].message).toMatch(/has no index .*last written \d+ s ago.*--leftover-grace/);
    const human = await runCli(['verify', mirror]);
    expect(human.code).toBe(0);
    expect(human.stderr.match(/^warning: /gm)).toHaveLength(4);
    expect(human.stderr).toMatch(/: ok\n$/);

    const changed = join(dir.path, 'changed-source');
    git(dir.path, 'clone', '-q', source, changed);
    commitFile(changed, 'third.txt', 'after the kill\n');
    // The pack it adds is not merged: the repacked packs would be warnings of their own (RETIRED_PACK).
    expect((await runCli(['--no-auto-repack', '--source', changed, '--target', mirror, '--include-ref', 'refs/heads/*'])).code).toBe(0);
    expect((await verify(mirror)).report.findings.map((finding) => finding.code)).toEqual(['LEFTOVER_TEMP_PACK', 'UNLISTED_PACK', 'UNLISTED_PACK', 'STRAY_TEMP']);
    const upToDate = await runCli(['--source', changed, '--target', mirror, '--include-ref', 'refs/heads/*', '--leftover-grace', '1ms']);
    expect(upToDate).toMatchObject({ code: 0, stderr: expect.stringMatching(/1 up to date/) });
    expect(await verify(mirror, '--full')).toMatchObject({ code: 0, report: { ok: true, findings: [] } });
    expect(readdirSync(join(mirror, 'objects', 'pack')).every((name) => /^pack-[0-9a-f]{40}\.(pack|idx)$/.test(name))).toBe(true);
  });

  it('fails on a folder that is no mirror', async () => {
    const empty = join(dir.path, 'empty');
    cpSync(good, empty, { recursive: true, filter: (path) => !path.includes('objects') && !path.endsWith('refs') && !path.endsWith('HEAD') });
    const { code, report } = await verify(empty);
    expect(code).toBe(1);
    expect(report.findings.map((finding) => finding.code)).toEqual(['MISSING_INFO_REFS', 'MISSING_PACKS_LIST', 'MISSING_HEAD']);
    expect(readdirSync(empty)).not.toContain('HEAD');
  });
});
