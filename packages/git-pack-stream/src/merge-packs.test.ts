import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitBytes, tempDir } from '@gitmirror/test-servers';
import { encodeOfsDistance } from './entry-copier.js';
import { PackError } from './errors.js';
import { readIdx } from './idx-reader.js';
import { PackMerger } from './merge-packs.js';
import { hashObject } from './object-id.js';
import { ObjectType } from './object-type.js';
import { chunked, gitIndexPack, makeRepo, random } from './test-support/git-fixtures.js';
import { insertDelta, makeDelta, writePack } from './test-support/pack-writer.js';

const dir = tempDir();
const repo = join(dir.path, 'repo');
/** Every object, the history up to main~12, and the rest (each pack self-contained, with OFS deltas). */
let full: Buffer;
let early: Buffer;
let late: Buffer;

function packRevs(revs: string): Buffer {
  return gitBytes(repo, ['pack-objects', '--revs', '--stdout', '--quiet', '--delta-base-offset'], { input: Buffer.from(revs) });
}

/** What git lists of a pack's index, sorted: `<id> <type>` per object, or the failure of `git index-pack --strict`. */
function gitObjects(pack: Uint8Array): string[] {
  const idx = gitIndexPack(pack, ['--strict']);
  return execFileSync('git', ['show-index'], { input: idx, encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.split(' ')[1]!)
    .sort();
}

async function merge(sources: Uint8Array[], chunkSizes: () => number = () => 64 * 1024) {
  const merger = new PackMerger(sources.map((pack) => ({ idx: gitIndexPack(pack), packSize: pack.length })));
  const opened: number[] = [];
  const chunks: Uint8Array[] = [];
  for await (const chunk of merger.stream((source) => {
    opened.push(source);
    return chunked(sources[source]!, chunkSizes);
  })) {
    chunks.push(Buffer.from(chunk));
  }
  return { pack: Buffer.concat(chunks), merged: merger.result(), opened };
}

beforeAll(() => {
  makeRepo(repo, { files: 12, commits: 30, fileSize: 3000, seed: 7 });
  full = packRevs('main\n');
  early = packRevs('main~12\n');
  late = packRevs('main\n^main~12\n');
});
afterAll(() => dir.remove());

describe('PackMerger', () => {
  it('merges disjoint packs into the pack git indexes to the same idx, every object once', async () => {
    const { pack, merged, opened } = await merge([early, late]);
    expect(Buffer.from(merged.idx)).toEqual(gitIndexPack(pack));
    expect(gitObjects(pack)).toEqual(gitObjects(full));
    expect(merged).toMatchObject({ objectCount: readIdx(gitIndexPack(full)).objectCount, packSize: pack.length, duplicates: 0, rewritten: { ofs: 0, ref: 0 } });
    expect(merged.packChecksum).toBe(pack.subarray(-20).toString('hex'));
    expect(opened).toEqual([0, 1]);
  });

  it('drops the later copies of shared objects: moved OFS bases get new distances, dropped ones become REF deltas', async () => {
    const { pack, merged } = await merge([early, full]);
    expect(Buffer.from(merged.idx)).toEqual(gitIndexPack(pack));
    expect(gitObjects(pack)).toEqual(gitObjects(full));
    expect(merged.duplicates).toBe(readIdx(gitIndexPack(early)).objectCount);
    expect(merged.rewritten.ofs).toBeGreaterThan(0);
    expect(merged.rewritten.ref).toBeGreaterThan(0);
  });

  it('does not open a source all of whose objects an earlier one holds: one full pack first gives it back unchanged', async () => {
    const { pack, opened } = await merge([full, early, late]);
    expect(opened).toEqual([0]);
    expect(pack.equals(full)).toBe(true);
  });

  it('gives the same bytes whatever the chunking, headers split across chunks included', async () => {
    const next = random(3);
    const whole = await merge([early, full]);
    const tiny = await merge([early, full], () => 1 + Math.floor(next() * 6));
    expect(tiny.pack.equals(whole.pack)).toBe(true);
    expect(Buffer.from(tiny.merged.idx)).toEqual(Buffer.from(whole.merged.idx));
  });

  it('keeps delta chains acyclic when two packs hold the same objects deltified in opposite directions', async () => {
    const a = Buffer.from('a'.repeat(200) + ' base a\n');
    const b = Buffer.from('a'.repeat(200) + ' base b\n');
    const c = Buffer.from('a'.repeat(200) + ' only c\n');
    const id = (content: Buffer) => hashObject(ObjectType.blob, content);
    const first = writePack([
      { type: ObjectType.blob, data: a },
      { type: ObjectType.ofsDelta, data: insertDelta(a.length, b), baseEntry: 0 },
    ]);
    const second = writePack([
      { type: ObjectType.blob, data: b },
      { type: ObjectType.ofsDelta, data: insertDelta(b.length, a), baseEntry: 0 },
      { type: ObjectType.ofsDelta, data: makeDelta(a.length, c.length, [['copy', 0, 200], ['insert', Buffer.from(' only c\n')]]), baseEntry: 1 },
    ]);
    for (const order of [[first, second], [second, first]]) {
      const { pack, merged } = await merge(order);
      expect(merged.objectCount).toBe(3);
      expect(Buffer.from(merged.idx)).toEqual(gitIndexPack(pack));
      expect(gitObjects(pack)).toEqual([a, b, c].map((content) => id(content).toString('hex')).sort());
    }
    expect((await merge([first, second])).merged.rewritten).toEqual({ ofs: 0, ref: 1 });
  });

  it('refuses a source that does not match its index, with a typed error', async () => {
    const idx = gitIndexPack(late);
    const corrupt = Buffer.from(late);
    corrupt[corrupt.length - 100]! ^= 0xff;
    const cases: [Uint8Array, string][] = [
      [corrupt, 'CRC_MISMATCH'],
      [late.subarray(0, late.length - 7), 'TRUNCATED'],
      [Buffer.concat([late.subarray(0, late.length - 1), Buffer.from([late.at(-1)! ^ 1])]), 'TRAILER_MISMATCH'],
      [Buffer.concat([late, Buffer.from('x')]), 'JUNK_AFTER_TRAILER'],
    ];
    for (const [bytes, code] of cases) {
      const merger = new PackMerger([{ idx, packSize: late.length }]);
      const drain = async () => {
        for await (const _ of merger.stream(() => chunked(bytes, () => 4096)));
      };
      await expect(drain(), code).rejects.toMatchObject({ name: 'PackError', code });
    }
    expect(() => new PackMerger([{ idx: idx.subarray(0, 500), packSize: late.length }])).toThrow(PackError);
  });

  it('encodes OFS distances as git does', () => {
    expect([...encodeOfsDistance(127)]).toEqual([127]);
    expect([...encodeOfsDistance(128)]).toEqual([0x80, 0]);
    expect([...encodeOfsDistance(16511)]).toEqual([0xff, 0x7f]);
    expect([...encodeOfsDistance(16512)]).toEqual([0x80, 0x80, 0]);
  });
});
