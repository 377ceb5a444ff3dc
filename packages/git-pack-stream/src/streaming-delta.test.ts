import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryReader, WindowedReader, type ContentReader } from './content-reader.js';
import { applyDelta } from './delta.js';
import { PackError } from './errors.js';
import { readIdx } from './idx-reader.js';
import { hashObject, idToHex } from './object-id.js';
import { parsePack } from './parse-pack.js';
import type { PackEntry } from './pack-parser.js';
import { ObjectTable, UNKNOWN_BASE, type ObjectColumns } from './object-table.js';
import { storedEntry, storedEntryReader, type StoredEntry } from './stored-entry-reader.js';
import { checkDeltaSizes, deltaResultReader, hashDeltaResult, hashStoredDelta, storedContentReader } from './streaming-delta.js';
import { tempDir } from '@gitmirror/test-servers';
import { gitIndexPack, random, readFrom } from './test-support/git-fixtures.js';
import { makeDelta, writePack } from './test-support/pack-writer.js';

/** Whether two byte arrays are equal (toEqual compares large buffers element by element, slowly). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** Everything `reader` holds, read in pieces of `piece` bytes. */
async function readAll(reader: ContentReader, piece = reader.maxRead): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let at = 0; at < reader.size; at += piece) parts.push(Buffer.from(await reader.read(at, Math.min(piece, reader.maxRead))));
  return Buffer.concat(parts);
}

function randomBytes(size: number, seed: number): Buffer {
  const next = random(seed);
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32LE(Math.floor(next() * 2 ** 32), i);
  return bytes;
}

/** A delta of random copies (forwards and backwards) and inserts on `base`. */
function randomDelta(base: Buffer, seed: number, instructions: number): { delta: Buffer; result: Buffer } {
  const next = random(seed);
  const ops: (['copy', number, number] | ['insert', Uint8Array])[] = [];
  const parts: Buffer[] = [];
  for (let k = 0; k < instructions; k++) {
    if (next() < 0.3) {
      const bytes = randomBytes(4 * (1 + Math.floor(next() * 31)), seed + k);
      ops.push(['insert', bytes]);
      parts.push(bytes);
    } else {
      const size = 1 + Math.floor(next() * Math.min(0xffff, base.length - 1));
      const offset = Math.floor(next() * (base.length - size));
      ops.push(['copy', offset, size]);
      parts.push(base.subarray(offset, offset + size));
    }
  }
  const result = Buffer.concat(parts);
  return { delta: makeDelta(base.length, result.length, ops), result };
}

describe('the streaming delta applier', () => {
  const base = randomBytes(300_000, 1);

  it('makes what applyDelta makes, through windows smaller than its copies, going back and forth', async () => {
    for (const seed of [2, 3, 4]) {
      const { delta, result } = randomDelta(base, seed, 40);
      expect(sameBytes(Buffer.from(applyDelta(base, delta)), result)).toBe(true);
      const window = 4096;
      const baseReader = new WindowedReader(base.length, () => sliceSource(base), window);
      const reader = await deltaResultReader(baseReader, memoryReader(delta), undefined, window);
      expect(sameBytes(await readAll(reader, 1000), result)).toBe(true);
      // Backward copies made the base start again.
      expect(baseReader.opens).toBeGreaterThan(1);
      // Reading the result again from the start rebuilds it.
      expect(Buffer.from(await reader.read(0, 100))).toEqual(result.subarray(0, 100));
      reader.close();
      expect(await hashDeltaResult(3, memoryReader(base), memoryReader(delta))).toEqual(hashObject(3, result));
      expect(await checkDeltaSizes(memoryReader(delta))).toEqual({ baseSize: base.length, resultSize: result.length });
    }
  });

  it('refuses malformed deltas with the codes applyDelta uses', async () => {
    const small = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');
    const cases: [Buffer, string][] = [
      [makeDelta(small.length, 1, [['raw', [0]]]), 'BAD_DELTA'],
      [makeDelta(small.length, 4, [['raw', [0x05, 0x61]]]), 'BAD_DELTA'],
      [makeDelta(small.length + 1, 1, [['copy', 0, 1]]), 'DELTA_BASE_SIZE_MISMATCH'],
      [makeDelta(small.length, 40, [['copy', 0, 40]]), 'DELTA_COPY_OUT_OF_RANGE'],
      [makeDelta(small.length, 2, [['copy', 0, 1]]), 'DELTA_RESULT_SIZE_MISMATCH'],
      [makeDelta(small.length, 1, [['insert', Buffer.from('ab')]]), 'DELTA_RESULT_SIZE_MISMATCH'],
      [makeDelta(small.length, 4, [['raw', [0x91, 0]]]), 'BAD_DELTA'],
      [Buffer.from([0x80]), 'BAD_DELTA'],
      [makeDelta(small.length, 0, []), 'BAD_DELTA'],
    ];
    for (const [delta, code] of cases) {
      expect(() => applyDelta(small, delta, 99), code).toThrow(expect.objectContaining({ code }));
      await expect(hashDeltaResult(3, memoryReader(small), memoryReader(delta), 99), code).rejects.toMatchObject({ code, offset: 99 });
    }
  });

  it('tells a declared result larger than the instructions make (a bomb) apart before applying it', async () => {
    const bomb = makeDelta(base.length, 2 ** 40, [['copy', 0, 8]]);
    await expect(checkDeltaSizes(memoryReader(bomb), 7)).rejects.toMatchObject({ code: 'BAD_DELTA', offset: 7 });
    const over = makeDelta(base.length, 4, [['copy', 0, 8]]);
    await expect(checkDeltaSizes(memoryReader(over))).rejects.toMatchObject({ code: 'DELTA_RESULT_SIZE_MISMATCH' });
    await expect(checkDeltaSizes(memoryReader(makeDelta(base.length, 4, [['raw', [0]]])))).rejects.toMatchObject({ code: 'BAD_DELTA' });
  });

  it('refuses a bomb stored in a pack before reading its base', async () => {
    const pack = writePack([{ type: 3, data: base }, { type: 6, data: makeDelta(base.length, 2 ** 40, [['copy', 0, 8]]), baseEntry: 0 }]);
    const { entries, columns } = await columnsOf(pack);
    const reads: number[] = [];
    const read = async (offset: number, length: number) => {
      reads.push(offset);
      return pack.subarray(offset, offset + length);
    };
    await expect(hashStoredDelta(read, columns, 1)).rejects.toMatchObject({ code: 'BAD_DELTA', offset: entries[1]!.offset });
    expect(reads.every((offset) => offset >= entries[1]!.offset)).toBe(true);
  });
});

describe('storedEntryReader', () => {
  const content = randomBytes(200_000, 9);
  const pack = writePack([{ type: 3, data: Buffer.from('first') }, { type: 3, data: content }]);
  const entry = async (): Promise<StoredEntry> => {
    const entries: PackEntry[] = [];
    const generator = parsePack([pack]);
    for await (const e of generator) entries.push(e);
    const e = entries[1]!;
    return { offset: e.offset, headerLength: e.headerLength, end: e.offset + e.packedLength, size: e.size, crc32: e.crc32 };
  };

  it('inflates the entry again from the stored pack, restarting for a read before its window', async () => {
    const reader = storedEntryReader(readFrom(pack), await entry(), 8192);
    expect(sameBytes(await readAll(reader, 5000), content)).toBe(true);
    expect(Buffer.from(await reader.read(100, 50))).toEqual(content.subarray(100, 150));
    expect(reader.opens).toBe(2);
    expect(sameBytes(Buffer.from(await reader.read(150_000, 8192)), content.subarray(150_000, 158_192))).toBe(true);
    expect(reader.opens).toBe(2);
    reader.close();
  });

  it('refuses stored bytes other than those received', async () => {
    const stored = Buffer.from(pack);
    const at = (await entry()).end - 30;
    stored[at]! ^= 0x40;
    const reader = storedEntryReader(readFrom(stored), await entry(), 8192);
    await expect(readAll(reader)).rejects.toMatchObject({ code: 'READ_BACK_MISMATCH' });
    reader.close();
    const short = storedEntryReader(readFrom(pack.subarray(0, 1000)), await entry(), 8192);
    await expect(readAll(short)).rejects.toBeInstanceOf(PackError);
    short.close();
  });
});

describe('big objects stored as deltas by git, resolved with a small window', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('hashes 21 MB and 40 MB results, and a delta on a delta, as git does', { timeout: 240_000 }, async () => {
    const repo = join(dir.path, 'repo');
    execFileSync('git', ['init', '--quiet', repo]);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'core.bigFileThreshold=1g', ...args], { cwd: repo, maxBuffer: 1 << 30 });
    const versions = (size: number, seed: number, count: number): Buffer[] => {
      const first = randomBytes(size, seed);
      const all = [first];
      for (let v = 1; v < count; v++) {
        const next = Buffer.from(all[v - 1]!);
        const edit = random(seed + v);
        for (let e = 0; e < 20; e++) next.write(`edit ${v}.${e}`, Math.floor(edit() * (size - 16)), 'latin1');
        all.push(next);
      }
      return all;
    };
    const files = { 'a.bin': versions(21_000_000, 11, 3), 'b.bin': versions(40_000_000, 12, 2) };
    for (let v = 0; v < 3; v++) {
      for (const [name, contents] of Object.entries(files)) if (contents[v]) writeFileSync(join(repo, name), contents[v]!);
      git('add', '.');
      git('-c', 'user.name=T', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', `v${v}`);
    }
    git('repack', '-adf', '--depth=5', '--window=10');
    const packDir = join(repo, '.git', 'objects', 'pack');
    const name = execFileSync('ls', [packDir], { encoding: 'utf8' }).split('\n').find((f) => f.endsWith('.pack'))!;
    const pack = readFileSync(join(packDir, name));
    const index = readIdx(readFileSync(join(packDir, name.replace(/\.pack$/, '.idx'))));
    const idAt = new Map<number, string>();
    const ids = index.ids();
    for (let i = 0; i < index.objectCount; i++) idAt.set(index.offset(i), ids[i]!);

    const { entries, columns } = await columnsOf(pack);
    const read = readFrom(pack);
    const window = 256 * 1024;

    let bigDeltas = 0;
    for (const e of entries) {
      if (e.id) {
        expect(idToHex(e.id)).toBe(idAt.get(e.offset));
        continue;
      }
      const base = await storedContentReader(read, columns, columns.bases[e.index]!, { window });
      const delta = storedEntryReader(read, storedEntry(columns, e.index), window);
      const { resultSize } = await checkDeltaSizes(delta, e.offset);
      const id = await hashDeltaResult(columns.types[columns.bases[e.index]!]!, base, delta, e.offset);
      base.close();
      delta.close();
      expect(idToHex(id)).toBe(idAt.get(e.offset));
      // The same in one call, from the columns (git's pack has bases first, resolved by now).
      const stored = await hashStoredDelta(read, columns, e.index, { window });
      expect({ id: idToHex(stored.id), resultSize: stored.resultSize }).toEqual({ id: idAt.get(e.offset), resultSize });
      columns.types[e.index] = stored.type;
      if (resultSize >= 21_000_000) bigDeltas++;
    }
    // Both files' older versions are deltas.
    expect(bigDeltas).toBe(3);
  });

  it('hashes a 21 MB delta on a 21 MB delta, copies going backwards, as git index-pack does', { timeout: 120_000 }, async () => {
    const size = 21_000_000;
    const first = randomBytes(size, 21);
    /** Copies of `from[start, end)` in pieces a copy instruction can carry. */
    const copies = (start: number, end: number): ['copy', number, number][] => {
      const ops: ['copy', number, number][] = [];
      for (let at = start; at < end; at += 0x100000) ops.push(['copy', at, Math.min(0x100000, end - at)]);
      return ops;
    };
    const insert = Buffer.from('inserted in the middle');
    const second = Buffer.concat([first.subarray(10_000_000), insert, first.subarray(0, 10_000_000)]);
    const secondDelta = makeDelta(size, second.length, [...copies(10_000_000, size), ['insert', insert], ...copies(0, 10_000_000)]);
    const third = Buffer.concat([second.subarray(5_000_000), second.subarray(0, 5_000_000)]);
    const thirdDelta = makeDelta(second.length, third.length, [...copies(5_000_000, second.length), ...copies(0, 5_000_000)]);
    const pack = writePack([
      { type: 3, data: first },
      { type: 6, data: secondDelta, baseEntry: 0 },
      { type: 6, data: thirdDelta, baseEntry: 1 },
    ]);
    const index = readIdx(gitIndexPack(pack));
    const { entries, columns } = await columnsOf(pack);
    const read = readFrom(pack);
    const window = 256 * 1024;
    const firstReader = storedEntryReader(read, storedEntry(columns, 0), window);
    const secondReader = await deltaResultReader(firstReader, storedEntryReader(read, storedEntry(columns, 1), window), entries[1]!.offset, window);
    const id = await hashDeltaResult(3, secondReader, memoryReader(thirdDelta), entries[2]!.offset);
    expect(index.lookup(id)?.offset).toBe(entries[2]!.offset);
    expect(index.lookup(hashObject(3, third))?.offset).toBe(entries[2]!.offset);
    // The backward copies made the first object inflate again.
    expect(firstReader.opens).toBeGreaterThan(1);
    secondReader.close();

    // The same down the chain, from the columns, with the first object at hand, then the second's delta.
    for (const options of [{ contentAt: (j: number) => (j === 0 ? first : undefined) }, { deltaAt: (j: number) => (j === 1 ? secondDelta : undefined) }]) {
      const reader = await storedContentReader(read, columns, 2, { window, ...options });
      expect(reader.size).toBe(third.length);
      expect(Buffer.from(await reader.read(0, 1000))).toEqual(third.subarray(0, 1000));
      expect(Buffer.from(await reader.read(third.length - 1000, 1000))).toEqual(third.subarray(-1000));
      reader.close();
    }
    columns.bases[1] = UNKNOWN_BASE;
    await expect(storedContentReader(read, columns, 2)).rejects.toMatchObject({ code: 'UNRESOLVED_DELTAS' });
  });
});

/** The columns the indexer keeps for `pack`, with every delta's base filled in as its resolution does. */
async function columnsOf(pack: Buffer): Promise<{ entries: PackEntry[]; columns: ObjectColumns }> {
  const table = new ObjectTable();
  const entries: PackEntry[] = [];
  for await (const entry of parsePack([pack], { maxInflatedObjectSize: 64 * 1024 })) {
    entries.push({ ...entry, data: undefined });
    const i = table.add(entry.offset, entry.headerLength, entry.size, entry.crc32);
    if (entry.id) table.resolve(i, entry.type, entry.id);
  }
  table.entriesEnd = pack.length - 20;
  const columns = table.columns();
  const byId = new Map(entries.filter((e) => e.id).map((e) => [idToHex(e.id!), e.index]));
  for (const e of entries) {
    if (e.baseOffset !== undefined) columns.bases[e.index] = table.indexOfOffset(e.baseOffset);
    else if (e.baseId) columns.bases[e.index] = byId.get(idToHex(e.baseId))!;
  }
  return { entries, columns };
}

/** A source serving `content` from its start, as a stand-in for an inflated base. */
function sliceSource(content: Buffer) {
  let at = 0;
  return {
    fill: async (target: Uint8Array) => {
      const length = Math.min(target.length, content.length - at);
      target.set(content.subarray(at, at + length));
      at += length;
      return length;
    },
    close: () => {},
  };
}
