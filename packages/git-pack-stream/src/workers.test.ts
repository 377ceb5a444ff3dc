import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashObject } from './object-id.js';
import { tempDir } from '@gitmirror/test-servers';
import { chunked, gitIndexPack, makeRepo, packObjects, random, readFrom } from './test-support/git-fixtures.js';
import { makeDelta, writePack, type TestEntry } from './test-support/pack-writer.js';

// Worker threads run compiled JavaScript, so these tests use dist (built by the global setup).
const dist = new URL('../dist/index.js', import.meta.url).href;
const { indexPack, PackError } = (await import(dist)) as typeof import('./index.js');

/** The smallest budget that starts a worker, and a blob that takes the pack past a quarter of it. */
const WORKER_BUDGET = 32 << 20;
const next = random(5);
const noise = Buffer.alloc(9 << 20);
for (let i = 0; i < noise.length; i += 4) noise.writeUInt32LE(Math.floor(next() * 2 ** 32), i);

/** Small blobs, enough to make a worker worth starting. */
const fillers: TestEntry[] = Array.from({ length: 4096 }, (_, b) => ({ type: 3, data: Buffer.from(`filler ${b}\n`) }));

/**
 * `entries` behind an incompressible 9 MiB blob and followed by fillers, so that a worker is
 * started and resolves them as they stream in.
 */
function afterNoise(entries: TestEntry[]): TestEntry[] {
  return [{ type: 3, data: noise }, ...entries.map((entry) => (entry.baseEntry === undefined ? entry : { ...entry, baseEntry: entry.baseEntry + 1 })), ...fillers];
}

/**
 * The noise blob, then blobs each with an OFS delta on it (resolved while streaming) or, for every
 * third, on the noise blob (too large for the stream cache: resolved in passes afterwards).
 */
function deltaEntries(count: number): TestEntry[] {
  const entries: TestEntry[] = [{ type: 3, data: noise }];
  for (let b = 0; b < count; b++) {
    entries.push({ type: 3, data: Buffer.from(`blob ${b}: ${'some text to share with its deltas '.repeat(40)}\n`) });
    const base = b % 3 === 0 ? 0 : entries.length - 1;
    const insert = Buffer.from(`delta ${b}\n`);
    entries.push({ type: 6, data: makeDelta(entries[base]!.data.length, 64 + insert.length, [['copy', 0, 64], ['insert', insert]]), baseEntry: base });
  }
  return entries;
}

const dir = tempDir();
const repo = join(dir.path, 'repo');
beforeAll(() => makeRepo(repo, { files: 40, commits: 120, fileSize: 3000, seed: 9 }));
afterAll(() => dir.remove());

describe('indexPack with a resolver worker', () => {
  it('resolves in a worker while the pack streams in, to the same idx as git', async () => {
    const pack = writePack(deltaEntries(3000));
    const result = await indexPack({ source: chunked(pack, () => 65536), read: readFrom(pack), threads: 2, memoryBudget: WORKER_BUDGET });
    expect(result.stats.workers).toBe(1);
    expect(result.stats.deltasResolvedWhileReceiving).toBeGreaterThan(1000);
    expect(result.stats.deltasResolvedWhileReceiving).toBeLessThan(3000);
    expect(result.readBack.passes).toBeGreaterThan(0);
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
    // The noise blob is a base over the quarter of the budget for held bases: it is held alone.
    expect(result.stats.peakCacheBytes).toBeLessThanOrEqual(noise.length);
  });

  it('starts no worker under a small budget, nor for a pack within a quarter of the budget or near its end there', async () => {
    const pack = packObjects(repo, ['--delta-base-offset', '--depth=250', '--window=250']);
    const expected = gitIndexPack(pack);
    const small = await indexPack({ source: chunked(pack, () => 16384), read: readFrom(pack), threads: 4, memoryBudget: 256 * 1024 });
    expect(pack.length).toBeGreaterThan(256 * 1024);
    expect(small.stats.workers).toBe(0);
    expect(Buffer.from(small.idx)).toEqual(expected);
    const fits = await indexPack({ source: chunked(pack, () => 16384), read: readFrom(pack), threads: 4 });
    expect(fits.stats.workers).toBe(0);
    expect(Buffer.from(fits.idx)).toEqual(expected);
    const nearEnd = writePack([{ type: 3, data: noise }, ...fillers.slice(0, 4095)]);
    expect((await indexPack({ source: chunked(nearEnd, () => 65536), read: readFrom(nearEnd), threads: 2, memoryBudget: WORKER_BUDGET })).stats.workers).toBe(0);
    const farFromEnd = writePack([{ type: 3, data: noise }, ...fillers]);
    expect((await indexPack({ source: chunked(farFromEnd, () => 65536), read: readFrom(farFromEnd), threads: 2, memoryBudget: WORKER_BUDGET })).stats.workers).toBe(1);
  });

  it('resolves REF deltas after the stream with a worker started', async () => {
    const bases = [0, 1, 2, 3].map((b) => Buffer.from(`base number ${b}\n`.repeat(20)));
    const entries: TestEntry[] = bases.map((base) => ({ type: 3, data: base }));
    for (let d = 0; d < 2000; d++) {
      const base = bases[d % 4]!;
      const insert = Buffer.from(`delta ${d}\n`);
      entries.push({ type: 7, data: makeDelta(base.length, 16 + insert.length, [['copy', 0, 16], ['insert', insert]]), baseId: hashObject(3, base) });
    }
    const pack = writePack(afterNoise(entries));
    const result = await indexPack({ source: chunked(pack, () => 65536), read: readFrom(pack), threads: 2, memoryBudget: WORKER_BUDGET });
    expect(result.stats.workers).toBe(1);
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
  });

  it('reports a bad delta met by the stream worker as a PackError', async () => {
    const entries: TestEntry[] = Array.from({ length: 3000 }, (_, b) => ({ type: 3, data: Buffer.from(`blob ${b}\n`.repeat(8)) }));
    entries.push({ type: 6, data: makeDelta(entries[2999]!.data.length, 4, [['copy', 0, 4], ['raw', [0]]]), baseEntry: 2999 });
    const pack = writePack(afterNoise(entries));
    const failure = indexPack({ source: chunked(pack, () => 65536), read: readFrom(pack), threads: 2, memoryBudget: WORKER_BUDGET });
    await expect(failure).rejects.toBeInstanceOf(PackError);
    await expect(failure).rejects.toMatchObject({ code: 'BAD_DELTA', offset: writePack(afterNoise(entries).slice(0, -1 - fillers.length)).length - 20 });
  });

  it('refuses a REF delta cycle closed by a duplicate object, as git does, without hanging', { timeout: 10_000 }, async () => {
    const a = Buffer.from('object A, one of a pair of deltas on each other\n');
    const b = Buffer.from('object B, one of a pair of deltas on each other\n');
    const whole = (from: Buffer, to: Buffer) => makeDelta(from.length, to.length, [['insert', to]]);
    const pack = writePack(afterNoise([
      { type: 7, data: whole(b, a), baseId: hashObject(3, b) },
      { type: 7, data: whole(a, b), baseId: hashObject(3, a) },
      { type: 3, data: a },
    ]));
    expect(() => gitIndexPack(pack)).toThrow(/already resolved/);
    const failure = indexPack({ source: chunked(pack, () => 65536), read: readFrom(pack), threads: 2, memoryBudget: WORKER_BUDGET });
    await expect(failure).rejects.toBeInstanceOf(PackError);
    await expect(failure).rejects.toMatchObject({ code: 'DUPLICATE_OBJECT' });
  });

  it('collects the links of commits the worker resolves', async () => {
    const commit = (tree: string, message: string) =>
      Buffer.from(`tree ${tree}\nauthor A <a@example.com> 1700000000 +0000\ncommitter A <a@example.com> 1700000000 +0000\n\n${message}\n`);
    const trees = ['1', '2', '3'].map((n) => hashObject(3, Buffer.from(`tree ${n}`)).toString('hex'));
    const first = commit(trees[0]!, 'first');
    const second = commit(trees[1]!, 'second');
    const third = commit(trees[2]!, 'third');
    const rest = (to: Buffer) => [['copy', 0, 5], ['insert', to.subarray(5, 100)], ['insert', to.subarray(100)]] as Parameters<typeof makeDelta>[2];
    const pack = writePack(
      afterNoise([
        { type: 1, data: first },
        { type: 6, data: makeDelta(first.length, second.length, rest(second)), baseEntry: 0 },
        { type: 7, data: makeDelta(second.length, third.length, rest(third)), baseId: hashObject(1, second) },
      ]),
    );
    const result = await indexPack({ source: chunked(pack, () => 65536), read: readFrom(pack), threads: 2, memoryBudget: WORKER_BUDGET, collectLinks: true });
    expect(result.stats).toMatchObject({ workers: 1, deltasResolvedWhileReceiving: 1 });
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
    expect(Buffer.from(result.links!.external).toString('hex')).toBe([...trees].sort().join(''));
  });

  it('rejects with the very error a failing read threw, with a worker started', async () => {
    class ThrottledError extends Error {
      readonly code = 'THROTTLED';
    }
    const thrown = new ThrottledError('slow down');
    const pack = writePack(deltaEntries(3000));
    const failure = indexPack({
      source: chunked(pack, () => 65536),
      read: async () => {
        throw thrown;
      },
      threads: 2,
      memoryBudget: WORKER_BUDGET,
    });
    await expect(failure).rejects.toBe(thrown);
  });
});
