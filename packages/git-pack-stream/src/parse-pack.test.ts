import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readIdx } from './idx-reader.js';
import { hashObject } from './object-id.js';
import { parsePack } from './parse-pack.js';
import { crc32, deflateSync } from 'node:zlib';
import { tempDir } from '@gitmirror/test-servers';
import { chunked, gitIndexPack, makeRepo, packObjects } from './test-support/git-fixtures.js';
import { makeDelta, writePack } from './test-support/pack-writer.js';

const dir = tempDir();
const repo = join(dir.path, 'repo');
beforeAll(() => makeRepo(repo, { files: 4, commits: 8, fileSize: 600, seed: 4 }));
afterAll(() => dir.remove());

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

  it('refuses deltas larger than maxDeltaSize, or with streamLargeDeltas checks them and hands them over without data', async () => {
    const base = Buffer.alloc(5000, 'b');
    const inserts = Buffer.alloc(3000, 'i');
    const ops: ['insert', Uint8Array][] = [];
    for (let at = 0; at < inserts.length; at += 100) ops.push(['insert', inserts.subarray(at, at + 100)]);
    const delta = makeDelta(base.length, inserts.length, ops);
    const pack = writePack([{ type: 3, data: base }, { type: 6, data: delta, baseEntry: 0 }]);
    const all = async (bytes: Uint8Array, options: Parameters<typeof parsePack>[1]) => {
      const entries = [];
      for await (const entry of parsePack(chunked(bytes, () => 500), options)) entries.push(entry);
      return entries;
    };
    await expect(all(pack, { maxDeltaSize: 1000 })).rejects.toMatchObject({ code: 'OBJECT_TOO_LARGE' });
    const [, streamed] = await all(pack, { maxDeltaSize: 1000, streamLargeDeltas: true });
    const deltaAt = 12 + 3 + deflateSync(base).length;
    expect(streamed).toMatchObject({ type: 6, offset: deltaAt, size: delta.length, baseOffset: 12, data: undefined, id: undefined });
    expect(streamed!.packedLength).toBe(pack.length - 20 - deltaAt);
    expect(streamed!.crc32).toBe(crc32(pack.subarray(deltaAt, -20)));
    const [, kept] = await all(pack, { maxDeltaSize: delta.length, streamLargeDeltas: true });
    expect(Buffer.from(kept!.data!)).toEqual(delta);
    const wrongSize = writePack([{ type: 3, data: base }, { type: 6, data: delta, baseEntry: 0, declaredSize: delta.length + 1 }]);
    await expect(all(wrongSize, { maxDeltaSize: 1000, streamLargeDeltas: true })).rejects.toMatchObject({ code: 'SIZE_MISMATCH' });
  });
});
