import { describe, expect, it } from 'vitest';
import { BaseCache } from './base-cache.js';

function put(cache: BaseCache, index: number, size: number): Buffer | undefined {
  const space = cache.allocate(size);
  if (space === undefined) return undefined;
  space.fill(index);
  expect(cache.set(index, space)).toBe(true);
  return space;
}

describe('BaseCache', () => {
  it('starts with a small arena and grows to its capacity, keeping what it holds, before it comes round', () => {
    const MiB = 1024 * 1024;
    expect(new BaseCache(16 * MiB).detach().arena.byteLength).toBeLessThanOrEqual(MiB);
    const cache = new BaseCache(16 * MiB);
    const first = put(cache, 0, MiB - 16)!;
    // Past the first MiB: the arena grows, the cached object moves with it, the old view stays intact.
    for (let i = 1; i <= 12; i++) put(cache, i, MiB);
    expect(first.every((byte) => byte === 0)).toBe(true);
    for (let i = 0; i <= 12; i++) expect(cache.get(i)?.every((byte) => byte === i), `object ${i}`).toBe(true);
    // Only now, at its capacity, does it come round and evict the oldest.
    for (let i = 13; i <= 16; i++) put(cache, i, MiB);
    expect(cache.get(0)).toBeUndefined();
    expect(cache.get(16)?.every((byte) => byte === 16)).toBe(true);
    const state = cache.detach();
    expect(state.arena.byteLength).toBe(16 * MiB);
    expect(state.capacity).toBe(16 * MiB);
  });

  it('keeps objects until the ring comes round to them, oldest first', () => {
    const cache = new BaseCache(100);
    for (let i = 0; i < 4; i++) put(cache, i, 20);
    expect(cache.bytes).toBe(80);
    // 25 bytes do not fit at the end: they go to the start, over the two oldest.
    put(cache, 4, 25);
    expect([0, 1].map((i) => cache.get(i))).toEqual([undefined, undefined]);
    expect([2, 3].map((i) => cache.get(i)?.every((byte) => byte === i))).toEqual([true, true]);
    expect(Buffer.from(cache.get(4)!)).toEqual(Buffer.alloc(25, 4));
    put(cache, 5, 10);
    expect(cache.get(2)).toBeDefined();
    expect(cache.bytes).toBe(75);
    put(cache, 6, 10);
    expect(cache.get(2)).toBeUndefined();
    expect(cache.get(3)).toBeDefined();
    expect(cache.peakBytes).toBe(80);
  });

  it('refuses objects over a quarter of its size, space overlapping what is kept, and foreign views', () => {
    const cache = new BaseCache(100);
    expect(cache.allocate(26)).toBeUndefined();
    const kept = put(cache, 0, 25)!;
    for (let i = 1; i < 4; i++) put(cache, i, 25);
    expect(cache.allocate(10, kept)).toBeUndefined();
    expect(cache.get(0)).toBeDefined();
    expect(cache.set(9, Buffer.alloc(3))).toBe(false);
    expect(cache.get(9)).toBeUndefined();
  });

  it('caches a copy, and accounts for an entry set again', () => {
    const cache = new BaseCache(100);
    cache.setCopy(7, Buffer.from('hello'));
    expect(Buffer.from(cache.get(7)!).toString()).toBe('hello');
    put(cache, 7, 10);
    expect(cache.bytes).toBe(10);
  });
});
