import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { PackError } from './errors.js';
import { indexPack, type IndexPackResult } from './index-pack.js';
import { hashObject } from './object-id.js';
import { tempDir } from '@gitmirror/test-servers';
import { gitIndexPack, packObjects, random } from './test-support/git-fixtures.js';
import { makeDelta, writePack } from './test-support/pack-writer.js';

// Objects over the budget's object limit (half the budget) are hashed as they stream in or are
// rebuilt from the stored pack, never held: a mirror must not fail on a valid repository because of
// its budget. Every pack here holds objects of 20 MB and more, indexed under 8 MiB.

const MB = 1000 * 1000;
const BUDGET = 8 * 1024 * 1024;
/** Memory the indexer may add (resident, and in buffers): below the 20 MB objects (and the 60 MB chains) it hashes. */
const MAX_GROWTH = 16 * 1024 * 1024;

setFlagsFromString('--expose-gc');
/** Collects garbage, so that what is measured next starts from what is live. */
const collectGarbage = runInNewContext('gc') as () => void;

const dir = tempDir('big-objects-');
afterAll(() => dir.remove());

/** `size` incompressible bytes from seed `seed`. */
function noise(size: number, seed: number): Buffer {
  const next = random(seed);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE(Math.floor(next() * 2 ** 32), i);
  return bytes;
}

/** A bare repository whose commits each store `versions[k]` as big.bin, plus a small text file. */
function versionsRepo(name: string, versions: Buffer[]): string {
  const repo = join(dir.path, name);
  const chunks: Buffer[] = [];
  versions.forEach((content, c) => {
    chunks.push(Buffer.from(`commit refs/heads/main\ncommitter Test <test@example.com> ${1_700_000_000 + c * 60} +0000\ndata 9\nversion ${c}\n`));
    chunks.push(Buffer.from(`M 100644 inline big.bin\ndata ${content.length}\n`), content, Buffer.from('\n'));
    const note = `the big file is ${content.length} bytes long\n`;
    chunks.push(Buffer.from(`M 100644 inline note.txt\ndata ${note.length}\n${note}\n`));
  });
  execFileSync('git', ['init', '--quiet', '--bare', repo]);
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, input: Buffer.concat(chunks), maxBuffer: 1 << 30 });
  return repo;
}

/** `content` with `inserted` put in at `at`. */
function insert(content: Buffer, at: number, inserted: Buffer): Buffer {
  return Buffer.concat([content.subarray(0, at), inserted, content.subarray(at)]);
}

/** `content` with `replacement` over its bytes from `at`. */
function replace(content: Buffer, at: number, replacement: Buffer): Buffer {
  const copy = Buffer.from(content);
  replacement.copy(copy, at);
  return copy;
}

/** `content` with a few bytes changed from `seed`. */
function touched(content: Buffer, seed: number): Buffer {
  const copy = Buffer.from(content);
  const next = random(seed);
  for (let k = 0; k < 8; k++) copy[Math.floor(next() * copy.length)] ^= 0x5a;
  return copy;
}

interface Measured {
  result: IndexPackResult;
  /** Most resident memory seen during indexing beyond that before it. */
  rssGrowth: number;
  /** The same for the memory of ArrayBuffers and Buffers. */
  bufferGrowth: number;
}

/** Indexes `pack` under an 8 MiB budget, sampling resident memory at every chunk and every read. */
async function indexMeasured(pack: Buffer): Promise<Measured> {
  collectGarbage();
  const before = process.memoryUsage();
  let peak = before.rss;
  let peakBuffers = before.arrayBuffers;
  const sample = () => {
    const now = process.memoryUsage();
    peak = Math.max(peak, now.rss);
    peakBuffers = Math.max(peakBuffers, now.arrayBuffers);
  };
  async function* source() {
    for (let at = 0; at < pack.length; at += 64 * 1024) {
      sample();
      yield pack.subarray(at, at + 64 * 1024);
    }
  }
  const result = await indexPack({
    source: source(),
    read: async (offset, length) => {
      sample();
      return pack.subarray(offset, offset + length);
    },
    memoryBudget: BUDGET,
    threads: 1,
  });
  sample();
  return { result, rssGrowth: peak - before.rss, bufferGrowth: peakBuffers - before.arrayBuffers };
}

/** Blob deltas in `pack` and their longest chain, as `git verify-pack -v` reports them. */
function gitDeltaShape(pack: Buffer, repo: string): { deltas: number; maxDepth: number } {
  const packPath = join(repo, 'check.pack');
  writeFileSync(packPath, pack);
  execFileSync('git', ['index-pack', packPath], { cwd: repo });
  const lines = execFileSync('git', ['verify-pack', '-v', packPath], { cwd: repo, maxBuffer: 1 << 28 }).toString().split('\n');
  let deltas = 0;
  let maxDepth = 0;
  for (const line of lines) {
    const fields = line.split(/\s+/);
    if (fields[1] !== 'blob' || fields.length < 7) continue;
    deltas++;
    maxDepth = Math.max(maxDepth, Number(fields[5]));
  }
  return { deltas, maxDepth };
}

async function expectLikeGit(pack: Buffer): Promise<Measured> {
  const measured = await indexMeasured(pack);
  expect(Buffer.from(measured.result.idx).equals(gitIndexPack(pack))).toBe(true);
  expect(measured.rssGrowth, `resident memory grew by ${(measured.rssGrowth / 2 ** 20).toFixed(1)} MiB`).toBeLessThan(MAX_GROWTH);
  expect(measured.bufferGrowth, `buffers grew by ${(measured.bufferGrowth / 2 ** 20).toFixed(1)} MiB`).toBeLessThan(MAX_GROWTH);
  expect(measured.result.readBack.bytes).toBeGreaterThan(0);
  return measured;
}

describe('objects over the object limit of an 8 MiB budget', () => {
  it('a 21 MB file stored as a delta on a 20 MB one, and the reverse, as git packs them', async () => {
    const v1 = noise(20 * MB, 1);
    const v2 = insert(v1, 7 * MB, noise(MB, 2));
    const repo = versionsRepo('two', [v1, v2]);
    const pack = packObjects(repo, ['--delta-base-offset']);
    expect(gitDeltaShape(pack, repo).maxDepth).toBe(1);
    const { result } = await expectLikeGit(pack);
    expect(result.ids).toContain(hashObject(3, v1).toString('hex'));
    expect(result.ids).toContain(hashObject(3, v2).toString('hex'));

    // git makes the larger the base; here the 21 MB version is the delta, its 20 MB base the whole object.
    const delta = makeDelta(v1.length, v2.length, [['copy', 0, 7 * MB], ...inserts(v2.subarray(7 * MB, 8 * MB)), ['copy', 7 * MB, 13 * MB]]);
    for (const [kind, entry] of [
      ['ofs', { type: 6, data: delta, baseEntry: 0 }],
      ['ref', { type: 7, data: delta, baseId: hashObject(3, v1) }],
    ] as const) {
      const built = writePack([{ type: 3, data: v1 }, entry]);
      const measured = await expectLikeGit(built);
      expect(measured.result.ids, kind).toContain(hashObject(3, v2).toString('hex'));
    }
  });

  it('a chain of three such versions', async () => {
    // Each version replaces a megabyte of the one before and inserts another: v1 is nearest to v2, v2 to v3.
    const v1 = noise(20 * MB, 3);
    const v2 = insert(replace(v1, 4 * MB, noise(MB, 4)), 8 * MB, noise(MB, 5));
    const v3 = insert(replace(v2, 14 * MB, noise(MB, 6)), 18 * MB, noise(MB, 7));
    const repo = versionsRepo('chain', [v1, v2, v3]);
    const pack = packObjects(repo, ['--delta-base-offset', '--depth=50']);
    expect(gitDeltaShape(pack, repo).maxDepth).toBe(2);
    const { result } = await expectLikeGit(pack);
    for (const version of [v1, v2, v3]) expect(result.ids).toContain(hashObject(3, version).toString('hex'));
    // Under 128 MiB they are materialised, but two do not fit the 32 MiB of held bases together: one is held at a time.
    const roomy = await indexPack({ source: [pack], read: async (o, l) => pack.subarray(o, o + l), memoryBudget: 128 * 1024 * 1024, threads: 1 });
    expect(Buffer.from(roomy.idx).equals(Buffer.from(result.idx))).toBe(true);
  });

  it('a 21 MB delta base with small deltas on it', async () => {
    const base = noise(21 * MB, 6);
    const versions = [base, touched(base, 7), touched(base, 8), touched(base, 9)];
    const repo = versionsRepo('star', versions);
    const pack = packObjects(repo, ['--delta-base-offset', '--depth=1']);
    expect(gitDeltaShape(pack, repo)).toEqual({ deltas: 3, maxDepth: 1 });
    const { result } = await expectLikeGit(pack);
    for (const version of versions) expect(result.ids).toContain(hashObject(3, version).toString('hex'));
  });

  it('delta instructions over the limit themselves, and a delta on their result', async () => {
    const v1 = noise(20 * MB, 10);
    const added = noise(5 * MB, 11);
    const v2 = insert(v1, 10 * MB, added);
    const big = makeDelta(v1.length, v2.length, [['copy', 0, 10 * MB], ...inserts(added), ['copy', 10 * MB, 10 * MB]]);
    expect(big.length).toBeGreaterThan(BUDGET / 2);
    const v3 = touched(v2, 12);
    const small = makeDelta(v2.length, v3.length, copiesOf(v2, v3));
    const pack = writePack([
      { type: 3, data: v1 },
      { type: 6, data: big, baseEntry: 0 },
      { type: 6, data: small, baseEntry: 1 },
    ]);
    const { result } = await expectLikeGit(pack);
    for (const version of [v1, v2, v3]) expect(result.ids).toContain(hashObject(3, version).toString('hex'));
  });

  it('refuses a tree over the limit when collecting links, with a typed error', async () => {
    const entries = Array.from({ length: 200_000 }, (_, k) => Buffer.concat([Buffer.from(`100644 file${String(k).padStart(7, '0')}\0`), hashObject(3, Buffer.from(`${k}`))]));
    const tree = Buffer.concat(entries);
    expect(tree.length).toBeGreaterThan(BUDGET / 2);
    const pack = writePack([{ type: 2, data: tree }]);
    const run = indexPack({ source: [pack], read: async (o, l) => pack.subarray(o, o + l), memoryBudget: BUDGET, threads: 1, collectLinks: true });
    await expect(run).rejects.toBeInstanceOf(PackError);
    await expect(run).rejects.toMatchObject({ code: 'LINKED_OBJECT_TOO_LARGE', offset: 12 });
    const plain = await indexPack({ source: [pack], read: async (o, l) => pack.subarray(o, o + l), memoryBudget: BUDGET, threads: 1 });
    expect(plain.ids).toEqual([hashObject(2, tree).toString('hex')]);
  });
});

/** Insert instructions for `bytes`, 127 at a time. */
function inserts(bytes: Buffer): ['insert', Buffer][] {
  const out: ['insert', Buffer][] = [];
  for (let at = 0; at < bytes.length; at += 127) out.push(['insert', bytes.subarray(at, at + 127)]);
  return out;
}

/** Instructions making `to` of `from` (same length): copies of the unchanged runs, inserts of changed bytes. */
function copiesOf(from: Buffer, to: Buffer): (['copy', number, number] | ['insert', Buffer])[] {
  const ops: (['copy', number, number] | ['insert', Buffer])[] = [];
  let at = 0;
  while (at < to.length) {
    let end = at;
    while (end < to.length && from[end] === to[end]) end++;
    for (let start = at; start < end; start += 0xffffff) ops.push(['copy', start, Math.min(0xffffff, end - start)]);
    if (end < to.length) ops.push(['insert', to.subarray(end, end + 1)]);
    at = end + 1;
  }
  return ops;
}
