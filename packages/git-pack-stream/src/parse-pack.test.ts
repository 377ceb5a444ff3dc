import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIdx } from './idx-reader.js';
import { hashObject } from './object-id.js';
import { parsePack } from './parse-pack.js';
import { chunked, gitIndexPack, makeRepo, packObjects, tempDir } from './test-support/git-fixtures.js';

const dir = tempDir();
const repo = join(dir.path, 'repo');
beforeAll(() => makeRepo(repo, { files: 4, commits: 8, fileSize: 600, seed: 4 }));
afterAll(() => dir.dispose());

describe('parsePack', () => {
  it('lists every entry with the offset and CRC32 git records, and the content of objects', async () => {
    const pack = packObjects(repo, ['--delta-base-offset']);
    const index = readIdx(gitIndexPack(pack));
    const entries = parsePack(chunked(pack, () => 333));
    let count = 0;
    let deltas = 0;
    for (;;) {
      const next = await entries.next();
      if (next.done) {
        expect(next.value).toEqual({ objectCount: count, checksum: pack.subarray(-20), size: pack.length });
        break;
      }
      const entry = next.value;
      expect(entry.index).toBe(count++);
      if (entry.type === 6) {
        deltas++;
        expect(entry.baseOffset).toBeLessThan(entry.offset);
        expect(entry.data).toHaveLength(entry.size);
        continue;
      }
      const id = Buffer.from(entry.id!).toString('hex');
      expect(index.lookup(id)).toEqual({ offset: entry.offset, crc32: entry.crc32 });
      expect(Buffer.from(hashObject(entry.type, entry.data!)).toString('hex')).toBe(id);
      const type = ['', 'commit', 'tree', 'blob', 'tag'][entry.type]!;
      expect(Buffer.from(entry.data!)).toEqual(execFileSync('git', ['cat-file', type, id], { cwd: repo }));
    }
    expect(count).toBe(index.objectCount);
    expect(deltas).toBeGreaterThan(0);
  });

  it('hashes objects larger than maxInflatedObjectSize without handing them over', async () => {
    const pack = packObjects(repo, ['--window=0']);
    const index = readIdx(gitIndexPack(pack));
    for await (const entry of parsePack([pack], { maxInflatedObjectSize: 100 })) {
      expect(entry.data === undefined).toBe(entry.size > 100);
      expect(index.lookup(entry.id!)?.offset).toBe(entry.offset);
    }
  });
});
