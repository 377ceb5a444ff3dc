import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ObjectTable } from './object-table.js';
import { planPassRanges, PassReader, type ReadBackCounts } from './pass-reads.js';

/** A table of entries of the given sizes laid end to end in `pack`, from offset 12. */
function tableOf(pack: Buffer, sizes: number[]): ObjectTable {
  const table = new ObjectTable();
  let offset = 12;
  for (const size of sizes) {
    table.add(offset, 2, size, crc32(pack.subarray(offset, offset + size)));
    offset += size;
  }
  table.entriesEnd = offset;
  return table;
}

describe('pass reads', () => {
  const pack = Buffer.alloc(400_000);
  for (let i = 0; i < pack.length; i++) pack[i] = (i * 31) & 0xff;
  const sizes = [100, 100, 100, 100_000, 100, 100, 150_000, 100, 100];
  const columns = tableOf(pack, sizes).columns();
  const offsets = Array.from(columns.offsets);

  it('covers needed entries in ranges up to the read size, gaps included, skipping only gaps a read cannot take', () => {
    expect(planPassRanges(columns, [0, 2, 5, 7], 120_000)).toEqual([
      { offset: 12, length: offsets[6]! - 12, first: 0, last: 3 },
      { offset: offsets[7], length: 100, first: 3, last: 4 },
    ]);
    // An entry larger than a read is a range of its own.
    expect(planPassRanges(columns, [1, 6, 8], 1000).map(({ first, last }) => [first, last])).toEqual([[0, 1], [1, 2], [2, 3]]);
  });

  it('reads the ranges in order, one ahead, counts them and checks each entry', async () => {
    const calls: [number, number][] = [];
    const counts: ReadBackCounts = { requests: 0, bytes: 0, passes: 0 };
    const damaged = Buffer.from(pack);
    damaged[offsets[7]! + 5]! ^= 1;
    const reader = new PassReader(
      async (offset, length) => {
        calls.push([offset, length]);
        return damaged.subarray(offset, offset + length);
      },
      columns,
      [0, 2, 5, 7],
      120_000,
      counts,
    );
    expect(await reader.raw(0)).toEqual(pack.subarray(12, 112));
    expect(calls).toHaveLength(2);
    expect(await reader.raw(5)).toEqual(pack.subarray(offsets[5], offsets[5]! + 100));
    await expect(reader.raw(7)).rejects.toMatchObject({ code: 'READ_BACK_MISMATCH', offset: offsets[7] });
    expect(counts).toEqual({ requests: 2, bytes: offsets[6]! - 12 + 100, passes: 0 });
  });

  it('lends two buffers in turn to the reads of a pass, none to an entry larger than a read', async () => {
    const lent: (Uint8Array | undefined)[] = [];
    const counts: ReadBackCounts = { requests: 0, bytes: 0, passes: 0 };
    const entries = [0, 1, 2, 3, 4, 5, 6, 7, 8];
    const reader = new PassReader(
      async (offset, length, into) => {
        lent.push(into);
        if (into === undefined) return pack.subarray(offset, offset + length);
        expect(into.length).toBeGreaterThanOrEqual(length);
        into.set(pack.subarray(offset, offset + length));
        return into.subarray(0, length);
      },
      columns,
      entries,
      200,
      counts,
    );
    for (const i of entries) expect(Buffer.from(await reader.raw(i))).toEqual(pack.subarray(offsets[i], offsets[i]! + sizes[i]!));
    // Ranges: [0,1] [2] [3: 100 kB] [4,5] [6: 150 kB] [7,8].
    expect(lent.map((buffer) => buffer === undefined)).toEqual([false, false, true, false, true, false]);
    const [first, second] = lent;
    expect(first).not.toBe(second);
    expect(lent[3]).toBe(second);
    expect(lent[5]).toBe(second);
    expect(counts.requests).toBe(6);
  });
});
