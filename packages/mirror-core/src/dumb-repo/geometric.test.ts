import { describe, expect, it } from 'vitest';
import { choosePacksToMerge, type WeighedPack } from './geometric.js';

const packs = (...sizes: number[]): WeighedPack[] => sizes.map((bytes, i) => ({ name: `p${i}`, bytes, objects: bytes * 10 }));

/** Simulates syncs that each add a pack of `size` bytes, merging by the policy after each; returns the pack counts. */
function simulate(syncs: number, size: (sync: number) => number, options = {}): number[] {
  let current: WeighedPack[] = [];
  const counts: number[] = [];
  for (let sync = 0; sync < syncs; sync++) {
    current.push({ name: `s${sync}`, bytes: size(sync), objects: 1 });
    const merge = new Set(choosePacksToMerge(current, options));
    if (merge.size > 0) {
      const bytes = current.filter((pack) => merge.has(pack.name)).reduce((sum, pack) => sum + pack.bytes, 0);
      current = [...current.filter((pack) => !merge.has(pack.name)), { name: `m${sync}`, bytes, objects: 1 }];
    }
    counts.push(current.length);
  }
  return counts;
}

describe('choosePacksToMerge', () => {
  it('merges nothing when every pack is at least twice all smaller ones together', () => {
    expect(choosePacksToMerge(packs(1, 2, 6, 20))).toEqual([]);
    expect(choosePacksToMerge(packs(100))).toEqual([]);
    expect(choosePacksToMerge([])).toEqual([]);
  });

  it('merges the smallest packs up to the last one that breaks the progression', () => {
    expect(choosePacksToMerge(packs(100, 1, 1))).toEqual(['p1', 'p2']);
    expect(choosePacksToMerge(packs(1, 2, 5, 20))).toEqual(['p0', 'p1', 'p2']);
    expect(choosePacksToMerge(packs(30, 10, 10, 1000))).toEqual(['p1', 'p2', 'p0']);
    expect(choosePacksToMerge(packs(5, 5, 5, 5))).toHaveLength(4);
  });

  it('merges only the smallest packs that fit in maxBytes, and nothing when fewer than two fit', () => {
    expect(choosePacksToMerge(packs(1, 1, 1, 1), { maxBytes: 3 })).toEqual(['p0', 'p1', 'p2']);
    expect(choosePacksToMerge(packs(10, 10), { maxBytes: 15 })).toEqual([]);
    expect(choosePacksToMerge(packs(1, 1, 1, 1), { maxObjects: 20 })).toEqual(['p0', 'p1']);
  });

  it('keeps about log2 of the history in packs over many syncs of any sizes', () => {
    expect(Math.max(...simulate(64, () => 100))).toBeLessThanOrEqual(7);
    expect(simulate(64, (sync) => (sync === 0 ? 100_000 : 50 + ((sync * 37) % 200))).at(-1)).toBeLessThanOrEqual(8);
    expect(Math.max(...simulate(1000, (sync) => 1 + ((sync * 7919) % 1000)))).toBeLessThanOrEqual(Math.ceil(Math.log2(1000 * 1000)));
  });
});
