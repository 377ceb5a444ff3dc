import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashObject } from './object-id.js';
import { chunked, gitIndexPack, makeRepo, packObjects, readFrom, tempDir } from './test-support/git-fixtures.js';
import { makeDelta, writePack, type TestEntry } from './test-support/pack-writer.js';

// Worker threads run compiled JavaScript, so these tests use dist (built by the global setup).
const dist = new URL('../dist/index.js', import.meta.url).href;
const { indexPack, PackError } = (await import(dist)) as typeof import('./index.js');

const dir = tempDir();
const repo = join(dir.path, 'repo');
beforeAll(() => makeRepo(repo, { files: 40, commits: 120, fileSize: 3000, seed: 9 }));
afterAll(() => dir.dispose());

describe('indexPack with resolver workers', () => {
  it('resolves in worker threads to the same idx as git', async () => {
    const pack = packObjects(repo, ['--delta-base-offset', '--depth=250', '--window=250']);
    const budget = 256 * 1024;
    const result = await indexPack({ source: chunked(pack, () => 65536), read: readFrom(pack), threads: 2, memoryBudget: budget });
    expect(result.objectCount - result.stats.deltasResolvedWhileReceiving).toBeGreaterThan(2048);
    expect(result.stats.deltasResolvedWhileReceiving).toBeGreaterThan(0);
    expect(result.stats.workers).toBe(1);
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
    expect(result.stats.peakCacheBytes).toBeLessThanOrEqual(budget / 4);
    expect(result.stats.peakCacheBytes).toBeGreaterThan(0);
  });

  it('resolves REF deltas in workers', async () => {
    const pack = packObjects(repo, ['--no-reuse-delta', '--depth=50']);
    const expected = gitIndexPack(pack);
    // The pack outgrows the budget: a worker resolves while receiving, another joins afterwards.
    const streamed = await indexPack({ source: chunked(pack, () => 16384), read: readFrom(pack), threads: 3, memoryBudget: 256 * 1024 });
    expect(streamed.stats.workers).toBe(2);
    expect(Buffer.from(streamed.idx)).toEqual(expected);
    // It does not: REF deltas wait for the end, and this thread resolves them without starting a worker.
    const afterwards = await indexPack({ source: chunked(pack, () => 16384), read: readFrom(pack), threads: 2 });
    expect(afterwards.stats).toMatchObject({ workers: 0, deltasResolvedWhileReceiving: 0 });
    expect(Buffer.from(afterwards.idx)).toEqual(expected);
  });

  it('reports a bad delta found in a worker as a PackError', async () => {
    const entries: TestEntry[] = [];
    const bases = [0, 1, 2, 3].map((b) => Buffer.from(`base number ${b}\n`.repeat(20)));
    for (const base of bases) entries.push({ type: 3, data: base });
    for (let d = 0; d < 3000; d++) {
      const base = bases[d % 4]!;
      const ops: Parameters<typeof makeDelta>[2] = d === 2999 ? [['raw', [0]]] : [['copy', 0, 16], ['insert', Buffer.from(`delta ${d}\n`)]];
      entries.push({ type: 7, data: makeDelta(base.length, 16 + `delta ${d}\n`.length, ops), baseId: hashObject(3, base) });
    }
    const pack = writePack(entries);
    const failure = indexPack({ source: chunked(pack, () => 4096), read: readFrom(pack), threads: 2, memoryBudget: 64 * 1024 });
    await expect(failure).rejects.toBeInstanceOf(PackError);
    await expect(failure).rejects.toMatchObject({ code: 'BAD_DELTA' });
  });

  it('reports a bad delta met by the stream worker as a PackError', async () => {
    const entries: TestEntry[] = Array.from({ length: 3000 }, (_, b) => ({ type: 3, data: Buffer.from(`blob ${b}\n`.repeat(8)) }));
    entries.push({ type: 6, data: makeDelta(entries[2999]!.data.length, 4, [['copy', 0, 4], ['raw', [0]]]), baseEntry: 2999 });
    const pack = writePack(entries);
    const failure = indexPack({ source: chunked(pack, () => 4096), read: readFrom(pack), threads: 2, memoryBudget: 64 * 1024 });
    await expect(failure).rejects.toMatchObject({ code: 'BAD_DELTA', offset: writePack(entries.slice(0, -1)).length - 20 });
  });
});
