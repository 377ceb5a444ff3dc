import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetShares } from './budget.js';
import { hashObject } from './object-id.js';
import { indexPack, type IndexPackProgress } from './index-pack.js';
import { PackError } from './errors.js';
import { readIdx } from './idx-reader.js';
import { parsePack } from './parse-pack.js';
import { tempDir } from '@gitmirror/test-servers';
import { chunked, gitIndexPack, makeRepo, packObjects, random, readFrom } from './test-support/git-fixtures.js';
import { makeDelta, writePack, type TestEntry } from './test-support/pack-writer.js';
import type { ReadRange } from './range-reads.js';

const dir = tempDir();
const repo = join(dir.path, 'repo');
beforeAll(() => makeRepo(repo, { files: 14, commits: 40, fileSize: 2500, seed: 7 }));
afterAll(() => dir.remove());

async function entryTypes(pack: Uint8Array): Promise<Set<number>> {
  const types = new Set<number>();
  for await (const entry of parsePack([pack])) types.add(entry.type);
  return types;
}

/** A `read` over `pack` that counts its calls and the bytes it returns. */
function countingRead(pack: Uint8Array): { read: ReadRange; requests: [offset: number, length: number][]; bytes: number } {
  const counter = {
    requests: [] as [number, number][],
    bytes: 0,
    read: async (offset: number, length: number) => {
      counter.requests.push([offset, length]);
      const bytes = pack.subarray(offset, offset + length);
      counter.bytes += bytes.length;
      return bytes;
    },
  };
  return counter;
}

/** `size` incompressible bytes. */
function noise(size: number, seed: number): Buffer {
  const next = random(seed);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) bytes.writeUInt32LE(Math.floor(next() * 2 ** 32), i);
  return bytes;
}

function index(pack: Uint8Array, options: { chunk?: () => number; memoryBudget?: number; largeOffsetThreshold?: number; read?: ReadRange } = {}) {
  return indexPack({
    source: chunked(pack, options.chunk ?? (() => 65536)),
    read: options.read ?? readFrom(pack),
    threads: 1,
    memoryBudget: options.memoryBudget,
    largeOffsetThreshold: options.largeOffsetThreshold,
  });
}

describe('indexPack against git index-pack', () => {
  it('matches for OFS deltas with deep chains', async () => {
    const pack = packObjects(repo, ['--delta-base-offset', '--depth=250', '--window=250']);
    expect(await entryTypes(pack)).toContain(6);
    const result = await index(pack);
    const gitIdx = gitIndexPack(pack);
    expect(Buffer.from(result.idx)).toEqual(gitIdx);
    expect(result.ids).toEqual(readIdx(gitIdx).ids());
    expect(result.packSize).toBe(pack.length);
    expect(result.packChecksum).toBe(pack.subarray(-20).toString('hex'));
  });

  it('matches for REF deltas', async () => {
    const pack = packObjects(repo, ['--no-reuse-delta', '--depth=250', '--window=250']);
    const types = await entryTypes(pack);
    expect(types).toContain(7);
    expect(types).not.toContain(6);
    expect(Buffer.from((await index(pack)).idx)).toEqual(gitIndexPack(pack));
  });

  it('matches without deltas, for an empty pack and for a single object', async () => {
    const plain = packObjects(repo, ['--window=0']);
    expect(Buffer.from((await index(plain)).idx)).toEqual(gitIndexPack(plain));

    const empty = execFileSync('git', ['pack-objects', '--revs', '--stdout', '--quiet'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const emptyResult = await index(empty);
    expect(emptyResult.objectCount).toBe(0);
    expect(Buffer.from(emptyResult.idx)).toEqual(gitIndexPack(empty));

    const head = execFileSync('git', ['rev-parse', 'refs/heads/main'], { cwd: repo, encoding: 'utf8' }).trim();
    const single = execFileSync('git', ['pack-objects', '--stdout', '--quiet'], { cwd: repo, input: `${head}\n` });
    const singleResult = await index(single);
    expect(singleResult.ids).toEqual([head]);
    expect(Buffer.from(singleResult.idx)).toEqual(gitIndexPack(single));
  });

  it('matches with big blobs streamed past the memory budget', async () => {
    const big = join(dir.path, 'big');
    makeRepo(big, { files: 3, commits: 3, fileSize: 1000, bigBlobs: [3 << 20, 5 << 20] });
    const pack = packObjects(big, ['--delta-base-offset']);
    const result = await index(pack, { memoryBudget: 4 << 20 });
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
  });

  it('writes the large-offset table like --index-version=2,<limit>', async () => {
    const pack = packObjects(repo, ['--delta-base-offset']);
    for (const limit of [0, 1000, 20_000]) {
      const result = await index(pack, { largeOffsetThreshold: limit });
      expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack, [`--index-version=2,${limit}`]));
    }
  });

  it('matches for empty objects and a delta to an empty result, in one-byte chunks', async () => {
    const base = Buffer.from('some content\n'.repeat(2000));
    const pack = writePack([
      { type: 2, data: Buffer.alloc(0) },
      { type: 3, data: base },
      { type: 6, data: makeDelta(base.length, 0, []), baseEntry: 1 },
    ]);
    const result = await index(pack, { chunk: () => 1 });
    expect(result.ids).toContain('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    expect(result.ids).toContain('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
  });

  it('resolves a REF delta whose base comes later in the pack', async () => {
    const base = Buffer.from('the base object, long enough to be worth a delta\n'.repeat(4));
    const delta = makeDelta(base.length, base.length + 6, [['copy', 0, base.length], ['insert', Buffer.from('extra\n')]]);
    const pack = writePack([
      { type: 7, data: delta, baseId: hashObject(3, base) },
      { type: 3, data: base },
    ]);
    const result = await index(pack);
    expect(result.ids).toContain(hashObject(3, Buffer.concat([base, Buffer.from('extra\n')])).toString('hex'));
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
  });
});

describe('indexPack collecting links', () => {
  const id = (seed: string) => hashObject(3, Buffer.from(seed));
  const commit = (tree: Buffer, parents: Buffer[], message: string) =>
    Buffer.from(
      `tree ${tree.toString('hex')}\n${parents.map((p) => `parent ${p.toString('hex')}\n`).join('')}` +
        `author A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\n${message}\n`,
    );
  const tree = (entries: [string, Buffer][]) => Buffer.concat(entries.flatMap(([name, target]) => [Buffer.from(`100644 ${name}\0`), target]));
  const whole = (from: Buffer, to: Buffer) => {
    const ops: Parameters<typeof makeDelta>[2] = [];
    for (let at = 0; at < to.length; at += 127) ops.push(['insert', to.subarray(at, at + 127)]);
    return makeDelta(from.length, to.length, ops);
  };

  it('lists what commits, trees and tags name but the pack lacks, however they were materialised', async () => {
    const blob = Buffer.from('a blob the pack holds\n');
    const blobId = hashObject(3, blob);
    const missing = ['tree 1', 'blob 1', 'tree 2', 'tree 3', 'parent 3', 'tree 4', 'tag target'].map(id);
    const presentTree = tree([['present', blobId], ['absent', missing[1]!]]);
    const first = commit(missing[0]!, [], 'first');
    const second = commit(missing[2]!, [hashObject(1, first)], 'second');
    const third = commit(missing[3]!, [missing[4]!], 'third');
    // Over the quarter of the stream cache that objects may take whole: streamed by, read back for its links.
    const large = commit(missing[5]!, [], 'large '.repeat(20_000));
    const tag = Buffer.from(`object ${missing[6]!.toString('hex')}\ntype commit\ntag v1\ntagger A <a@example.com> 1700000000 +0000\n\nv1\n`);
    const pack = writePack([
      { type: 3, data: blob },
      { type: 2, data: presentTree },
      { type: 1, data: first },
      // Resolved while streaming, then in the passes.
      { type: 6, data: makeDelta(first.length, second.length, [['copy', 0, 5], ['insert', second.subarray(5, 120)], ['insert', second.subarray(120)]]), baseEntry: 2 },
      { type: 7, data: whole(second, third), baseId: hashObject(1, second) },
      { type: 1, data: large },
      { type: 4, data: tag },
    ]);
    const budget = 1 << 20;
    expect(large.length).toBeGreaterThan(budgetShares(budget, 1).cacheBytes / 4);
    const result = await indexPack({ source: [pack], read: readFrom(pack), threads: 1, memoryBudget: budget, collectLinks: true });
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
    const expected = missing.map((m) => m.toString('hex')).sort();
    expect(Buffer.from(result.links!.external).toString('hex')).toBe(expected.join(''));
    expect((await index(pack)).links).toBeUndefined();
  });

  it('reports the tree a commit names when the pack lacks it', async () => {
    const treeId = id('no such tree');
    const pack = writePack([{ type: 1, data: commit(treeId, [], 'lonely') }]);
    const result = await indexPack({ source: [pack], read: readFrom(pack), collectLinks: true });
    expect(Buffer.from(result.links!.external)).toEqual(treeId);
  });
});

describe('indexPack on packs git refuses', () => {
  const a = Buffer.from('object A, one of a pair of deltas on each other\n');
  const b = Buffer.from('object B, one of a pair of deltas on each other\n');
  const whole = (from: Buffer, to: Buffer) => makeDelta(from.length, to.length, [['insert', to]]);

  it('refuses a REF delta cycle closed by a duplicate object, in any order, without hanging', { timeout: 10_000 }, async () => {
    const cycle: TestEntry[] = [
      { type: 7, data: whole(b, a), baseId: hashObject(3, b) },
      { type: 7, data: whole(a, b), baseId: hashObject(3, a) },
      { type: 3, data: a },
    ];
    for (const order of [[0, 1, 2], [2, 0, 1], [0, 2, 1], [1, 2, 0]]) {
      const pack = writePack(order.map((k) => cycle[k]!));
      expect(() => gitIndexPack(pack)).toThrow(/already resolved/);
      const failure = index(pack);
      await expect(failure).rejects.toBeInstanceOf(PackError);
      await expect(failure).rejects.toMatchObject({ code: 'DUPLICATE_OBJECT' });
    }
  });

  it('refuses a REF delta on an object the pack holds twice, as git does', async () => {
    const pack = writePack([
      { type: 3, data: a },
      { type: 3, data: a },
      { type: 7, data: whole(a, b), baseId: hashObject(3, a) },
    ]);
    expect(() => gitIndexPack(pack)).toThrow(/already resolved/);
    await expect(index(pack)).rejects.toMatchObject({ code: 'DUPLICATE_OBJECT', offset: pack.indexOf(hashObject(3, a)) - 2 });
  });

  it('reports a REF delta cycle without a whole object as unresolved deltas, as git does', async () => {
    const pack = writePack([
      { type: 7, data: whole(b, a), baseId: hashObject(3, b) },
      { type: 7, data: whole(a, b), baseId: hashObject(3, a) },
    ]);
    expect(() => gitIndexPack(pack)).toThrow(/unresolved/);
    await expect(index(pack)).rejects.toMatchObject({ code: 'UNRESOLVED_DELTAS' });
  });
});

describe('indexPack streaming', () => {
  it('gives the same idx whatever the chunking', async () => {
    const small = join(dir.path, 'small');
    makeRepo(small, { files: 3, commits: 6, fileSize: 400, seed: 3 });
    const pack = packObjects(small, ['--delta-base-offset']);
    const expected = gitIndexPack(pack);
    const next = random(42);
    for (const chunk of [() => 1, () => 1 + Math.floor(next() * 97), () => 1 + Math.floor(next() * 5000), () => pack.length]) {
      expect(Buffer.from((await index(pack, { chunk })).idx)).toEqual(expected);
    }
  });

  it('accepts a ReadableStream and reports progress', async () => {
    const pack = packObjects(repo, ['--delta-base-offset']);
    const progress: IndexPackProgress[] = [];
    const result = await indexPack({
      source: new Blob([pack]).stream(),
      read: readFrom(pack),
      threads: 1,
      memoryBudget: 64 * 1024,
      onProgress: (p) => progress.push(p),
    });
    const last = progress.at(-1)!;
    expect(last.objects).toBe(result.objectCount);
    expect(last.totalObjects).toBe(result.objectCount);
    expect(last.bytes).toBe(pack.length);
    expect(last.deltasResolved).toBe(last.totalDeltas);
    expect(progress.some((p) => p.phase === 'resolving')).toBe(true);
  });

  it('keeps the base cache within the memory budget on a pack much larger than it', async () => {
    const large = join(dir.path, 'large');
    makeRepo(large, { files: 30, commits: 60, fileSize: 30_000, seed: 11 });
    const pack = packObjects(large, ['--delta-base-offset', '--depth=250', '--window=250']);
    let inflated = 0;
    for await (const entry of parsePack([pack])) inflated += entry.size;
    const budget = 512 * 1024;
    expect(inflated).toBeGreaterThan(20 * budget);
    const counter = countingRead(pack);
    const result = await index(pack, { memoryBudget: budget, read: counter.read });
    const { cacheBytes, heldBytes, readSize } = budgetShares(budget, 1);
    expect(cacheBytes + heldBytes).toBeLessThanOrEqual(budget / 2);
    expect(result.stats.peakCacheBytes).toBeLessThanOrEqual(Math.max(cacheBytes, heldBytes));
    expect(result.stats.peakCacheBytes).toBeGreaterThan(cacheBytes / 2);
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
    // Read back in passes over the pack, in order, each in ranges of up to readSize: never a read per base.
    expect(result.readBack).toEqual({ requests: counter.requests.length, bytes: counter.bytes, passes: expect.any(Number) });
    expect(result.readBack.passes).toBeGreaterThan(0);
    expect(counter.requests.every(([, length]) => length <= readSize)).toBe(true);
    expect(result.readBack.requests).toBeLessThanOrEqual(result.readBack.passes * Math.ceil(pack.length / (readSize / 2)));
    const passStarts = counter.requests.filter(([offset], k) => k === 0 || offset < counter.requests[k - 1]![0]).length;
    expect(passStarts).toBeLessThanOrEqual(result.readBack.passes);
  });

  it('reads evicted bases back in the passes the forest predicts', async () => {
    // Four 100 KiB blobs, then an OFS delta on each (70 KiB of new data, so none is kept in memory
    // from the stream). With a 1 MiB budget, the passes hold 256 KiB of bases and read 128 KiB at
    // a time: no two entries fit one read. Pass 1 reads all eight entries; it holds the first two
    // blobs until their deltas come, finds no room for the other two, and defers their deltas.
    // Pass 2 reads those two blobs and two deltas again.
    const budget = 1 << 20;
    const { readSize, heldBytes, storeBytes } = budgetShares(budget, 1);
    const blobs = [1, 2, 3, 4].map((seed) => noise(100 * 1024, seed));
    const entries: TestEntry[] = blobs.map((data) => ({ type: 3, data }));
    for (const [b, blob] of blobs.entries()) {
      const insert = noise(70 * 1024, 10 + b);
      const ops: Parameters<typeof makeDelta>[2] = [['copy', 0, blob.length]];
      for (let at = 0; at < insert.length; at += 127) ops.push(['insert', insert.subarray(at, at + 127)]);
      entries.push({ type: 6, data: makeDelta(blob.length, blob.length + insert.length, ops), baseEntry: b });
    }
    const pack = writePack(entries);
    const lengths: number[] = [];
    for await (const entry of parsePack([pack])) lengths.push(entry.packedLength);
    expect(Math.min(...lengths.slice(4))).toBeGreaterThan(storeBytes);
    expect(Math.min(...lengths.slice(0, 4)) * 2).toBeLessThanOrEqual(heldBytes);
    expect(Math.min(...lengths.slice(0, 4)) * 3).toBeGreaterThan(heldBytes);
    for (let e = 0; e < 7; e++) expect(lengths[e]! + lengths[e + 1]!).toBeGreaterThan(readSize);

    const counter = countingRead(pack);
    const result = await index(pack, { memoryBudget: budget, read: counter.read });
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
    const offsets = lengths.map((_, e) => 12 + lengths.slice(0, e).reduce((sum, n) => sum + n, 0));
    const expected = [0, 1, 2, 3, 4, 5, 6, 7, 2, 3, 6, 7].map((e) => [offsets[e], lengths[e]]);
    expect(counter.requests).toEqual(expected);
    expect(result.readBack).toEqual({ requests: 12, bytes: expected.reduce((sum, [, length]) => sum + length!, 0), passes: 2 });
  });

  it('reads nothing back when every delta resolves while streaming', async () => {
    const pack = packObjects(repo, ['--delta-base-offset']);
    const counter = countingRead(pack);
    const result = await index(pack, { read: counter.read });
    expect(result.stats.deltasResolvedWhileReceiving).toBeGreaterThan(0);
    expect(result.readBack).toEqual({ requests: 0, bytes: 0, passes: 0 });
    expect(counter.requests).toEqual([]);
  });

  it('rejects with the very error a failing read threw', async () => {
    class ThrottledError extends Error {
      readonly code = 'THROTTLED';
    }
    const thrown = new ThrottledError('slow down');
    const pack = packObjects(repo, ['--delta-base-offset']);
    const failure = index(pack, {
      memoryBudget: 64 * 1024,
      read: async () => {
        throw thrown;
      },
    });
    await expect(failure).rejects.toBe(thrown);
  });

  it('stops when aborted while resolving', async () => {
    const pack = packObjects(repo, ['--no-reuse-delta', '--depth=250', '--window=250']);
    const controller = new AbortController();
    const reason = new Error('stop resolving');
    const failure = indexPack({
      source: [pack],
      read: async (offset, length) => {
        controller.abort(reason);
        return pack.subarray(offset, offset + length);
      },
      threads: 1,
      memoryBudget: 64 * 1024,
      signal: controller.signal,
    });
    await expect(failure).rejects.toBe(reason);
  });

  it('stops when aborted', async () => {
    const pack = packObjects(repo, ['--delta-base-offset']);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(indexPack({ source: [pack], read: readFrom(pack), signal: controller.signal })).rejects.toThrow('stop');
  });
});
