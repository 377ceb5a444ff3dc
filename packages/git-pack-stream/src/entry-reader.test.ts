import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { EntryReader } from './entry-reader.js';
import { ObjectTable } from './object-table.js';
import { limitedReads } from './range-reads.js';

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

describe('EntryReader', () => {
  const pack = Buffer.alloc(300_000);
  for (let i = 0; i < pack.length; i++) pack[i] = (i * 31) & 0xff;
  const sizes = [100, 100, 100, 100_000, 100, 100, 100_000, 100];
  const columns = tableOf(pack, sizes).columns();

  it('merges neighbouring ranges, sends each batch in one call, and checks CRC32s', async () => {
    const calls: (readonly [number, number])[][] = [];
    const reader = new EntryReader(
      async (ranges) => {
        calls.push([...ranges]);
        return ranges.map(([offset, length]) => pack.subarray(offset, offset + length));
      },
      columns,
      { batchBytes: 1 << 20, maxGap: 1000 },
    );
    reader.setPlan([5, 0, 2, 1, 7]);
    for (const i of [5, 0, 2, 1, 7]) {
      const raw = await reader.get(i);
      expect(raw).toEqual(pack.subarray(columns.offsets[i]!, columns.offsets[i]! + sizes[i]!));
    }
    // One batch: entries 0-2 are adjacent, 5 and 7 stand alone (100 kB apart).
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual([
      [12, 300],
      [columns.offsets[5]!, 100],
      [columns.offsets[7]!, 100],
    ]);
    expect(reader.reads).toBe(3);
  });

  it('reads entries off the plan on their own, and rejects bytes that differ from the stream', async () => {
    const damaged = Buffer.from(pack);
    damaged[columns.offsets[3]! + 5]! ^= 1;
    const reader = new EntryReader(async (ranges) => ranges.map(([offset, length]) => damaged.subarray(offset, offset + length)), columns, {
      batchBytes: 1 << 20,
    });
    expect(await reader.get(1)).toEqual(pack.subarray(columns.offsets[1]!, columns.offsets[1]! + 100));
    await expect(reader.get(3)).rejects.toMatchObject({ code: 'READ_BACK_MISMATCH', offset: columns.offsets[3] });
  });
});

describe('limitedReads', () => {
  it('keeps at most the given number of reads in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const read = limitedReads(async (offset, length) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return new Uint8Array(length).fill(offset);
    }, 3);
    const chunks = await read(Array.from({ length: 10 }, (_, i) => [i, 2] as const));
    expect(chunks.map((chunk) => chunk[0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(most).toBe(3);
  });
});
