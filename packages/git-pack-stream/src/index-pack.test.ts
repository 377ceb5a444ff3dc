import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetShares } from './budget.js';
import { hashObject } from './object-id.js';
import { indexPack, type IndexPackProgress } from './index-pack.js';
import { readIdx } from './idx-reader.js';
import { parsePack } from './parse-pack.js';
import { chunked, gitIndexPack, makeRepo, packObjects, random, readFrom, tempDir } from './test-support/git-fixtures.js';
import { makeDelta, writePack } from './test-support/pack-writer.js';

const dir = tempDir();
const repo = join(dir.path, 'repo');
beforeAll(() => makeRepo(repo, { files: 14, commits: 40, fileSize: 2500, seed: 7 }));
afterAll(() => dir.dispose());

async function entryTypes(pack: Uint8Array): Promise<Set<number>> {
  const types = new Set<number>();
  for await (const entry of parsePack([pack])) types.add(entry.type);
  return types;
}

function index(pack: Uint8Array, options: { chunk?: () => number; memoryBudget?: number; largeOffsetThreshold?: number } = {}) {
  return indexPack({
    source: chunked(pack, options.chunk ?? (() => 65536)),
    read: readFrom(pack),
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
    const result = await index(pack, { memoryBudget: budget });
    const { cacheBytes } = budgetShares(budget, 1);
    expect(cacheBytes).toBeLessThanOrEqual(budget / 2);
    expect(result.stats.peakCacheBytes).toBeLessThanOrEqual(cacheBytes);
    expect(result.stats.peakCacheBytes).toBeGreaterThan(cacheBytes / 2);
    expect(Buffer.from(result.idx)).toEqual(gitIndexPack(pack));
  });

  it('stops when aborted', async () => {
    const pack = packObjects(repo, ['--delta-base-offset']);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(indexPack({ source: [pack], read: readFrom(pack), signal: controller.signal })).rejects.toThrow('stop');
  });
});
