import { describe, expect, it } from 'vitest';
import { NO_BASE, ObjectTable } from './object-table.js';

/** Adds `count` entries, recording the capacity the columns had after each add. */
function fill(table: ObjectTable, count: number): Set<number> {
  const capacities = new Set<number>();
  for (let i = 0; i < count; i++) {
    table.add(i * 10, 2, i, i);
    capacities.add(table.offsets.length);
  }
  return capacities;
}

const columnLengths = (table: ObjectTable) => [
  table.offsets.length,
  table.sizes.length,
  table.crc32s.length,
  table.ids.length / 20,
  table.types.length,
  table.headerLengths.length,
  table.bases.length,
];

describe('ObjectTable growth', () => {
  it('doubles as entries arrive but never makes room past the declared count', () => {
    const table = new ObjectTable(1024);
    table.reserve(1500, 5000);
    const capacities = fill(table, 5000);
    expect([...capacities]).toEqual([1500, 3000, 5000]);
    expect(columnLengths(table)).toEqual(Array(7).fill(5000));
    expect(table.columns().offsets[4999]).toBe(49_990);
    expect(table.bases[4999]).toBe(NO_BASE);
  });

  it('reserves no more than the declared count, and refuses an entry past it', () => {
    const table = new ObjectTable(8);
    table.reserve(100, 20);
    expect(columnLengths(table)).toEqual(Array(7).fill(20));
    fill(table, 20);
    expect(() => table.add(0, 2, 0, 0)).toThrow(RangeError);
    expect(table.count).toBe(20);
  });

  it('refuses an entry past the declared count though the initial capacity has room', () => {
    const table = new ObjectTable(4096);
    table.reserve(3, 3);
    fill(table, 3);
    expect(() => table.add(30, 2, 3, 3)).toThrow(/limited to 3 entries/);
    expect(table.offsets.length).toBe(4096);
  });

  it('keeps doubling without a declared count, and keeps what was added across growth', () => {
    const table = new ObjectTable(4);
    const capacities = fill(table, 33);
    expect([...capacities]).toEqual([4, 8, 16, 32, 64]);
    expect(Array.from(table.columns().sizes)).toEqual(Array.from({ length: 33 }, (_, i) => i));
  });
});
