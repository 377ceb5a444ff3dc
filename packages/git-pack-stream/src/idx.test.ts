import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackError } from './errors.js';
import { readIdx } from './idx-reader.js';
import { writeIdxV2, type IdxEntry } from './idx-writer.js';
import { tempDir } from '@gitmirror/test-servers';
import { gitIndexPack, makeRepo, packObjects } from './test-support/git-fixtures.js';

const dir = tempDir();
let pack: Buffer;
let gitIdx: Buffer;
/** Entries as `git show-index` lists them: offset, id, crc32. */
let listed: IdxEntry[];
beforeAll(() => {
  makeRepo(join(dir.path, 'repo'), { files: 5, commits: 10, fileSize: 800, seed: 2 });
  pack = packObjects(join(dir.path, 'repo'), ['--delta-base-offset']);
  gitIdx = gitIndexPack(pack);
  const shown = execFileSync('git', ['show-index'], { input: gitIdx, encoding: 'utf8' });
  listed = shown
    .trim()
    .split('\n')
    .map((line) => {
      const [offset, id, crc] = line.split(' ');
      return { offset: Number(offset), id: id!, crc32: parseInt(crc!.slice(1, -1), 16) };
    });
});
afterAll(() => dir.remove());

describe('writeIdxV2 and readIdx', () => {
  it('writes the idx git writes, from entries in any order', () => {
    const shuffled = [...listed].reverse();
    expect(Buffer.from(writeIdxV2(shuffled, pack.subarray(-20)))).toEqual(gitIdx);
    expect(Buffer.from(writeIdxV2(listed, pack.subarray(-20).toString('hex'), { largeOffsetThreshold: 500 }))).toEqual(
      gitIndexPack(pack, ['--index-version=2,500']),
    );
  });

  it('writes offsets past 2^31 to the 8-byte table', () => {
    const entries = listed.map((entry, i) => ({ ...entry, offset: entry.offset + (i % 2) * 2 ** 33 }));
    const index = readIdx(writeIdxV2(entries, pack.subarray(-20)));
    for (const entry of entries) expect(index.lookup(entry.id as string)).toEqual({ offset: entry.offset, crc32: entry.crc32 });
  });

  it('reads ids, offsets and CRC32s back, and finds objects by id', () => {
    const index = readIdx(gitIdx);
    expect(index.objectCount).toBe(listed.length);
    expect(index.packChecksum).toBe(pack.subarray(-20).toString('hex'));
    expect(index.ids()).toEqual(listed.map((entry) => entry.id));
    for (const [i, entry] of listed.entries()) {
      expect(index.offset(i)).toBe(entry.offset);
      expect(index.crc32(i)).toBe(entry.crc32);
      expect(index.lookup(Buffer.from(entry.id as string, 'hex'))).toEqual({ offset: entry.offset, crc32: entry.crc32 });
    }
    expect(index.lookup('0'.repeat(40))).toBeUndefined();
    expect(index.lookup('f'.repeat(40))).toBeUndefined();
  });

  it('rejects damaged indexes and duplicate objects', () => {
    const damaged = Buffer.from(gitIdx);
    damaged[2000]! ^= 1;
    expect(() => readIdx(damaged)).toThrow(expect.objectContaining({ code: 'BAD_IDX' }));
    expect(() => readIdx(gitIdx.subarray(0, 100))).toThrow(PackError);
    const twice = [listed[0]!, { ...listed[0]!, offset: 99 }];
    expect(() => writeIdxV2(twice, pack.subarray(-20), { strict: true })).toThrow(expect.objectContaining({ code: 'DUPLICATE_OBJECT' }));
  });

  it('refuses offsets outside the pack when told its size, and version-1 indexes', () => {
    expect(readIdx(gitIdx, { packSize: pack.length }).objectCount).toBe(listed.length);
    const last = Math.max(...listed.map((entry) => entry.offset));
    expect(() => readIdx(gitIdx, { packSize: last + 20 })).toThrow(expect.objectContaining({ code: 'BAD_IDX' }));
    const v1 = gitIndexPack(pack, ['--index-version=1']);
    expect(() => readIdx(v1)).toThrow(expect.objectContaining({ code: 'BAD_IDX', message: expect.stringContaining('version-1') }));
  });

  it('lists an object twice without strict, the first in the pack first', () => {
    const twice = [{ ...listed[0]!, offset: 99 }, listed[0]!];
    const index = readIdx(writeIdxV2(twice, pack.subarray(-20)));
    expect(index.objectCount).toBe(2);
    expect([index.offset(0), index.offset(1)]).toEqual([listed[0]!.offset, 99].sort((a, b) => a - b));
  });
});
