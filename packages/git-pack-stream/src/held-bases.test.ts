import { describe, expect, it } from 'vitest';
import { HeldBases } from './held-bases.js';

const hold = (held: HeldBases, index: number, size: number, key: number) => held.hold(index, new Uint8Array(size).fill(index), key);

describe('HeldBases', () => {
  it('evicts the bases next used farthest ahead, and only for a base needed sooner', () => {
    const held = new HeldBases(100);
    expect(hold(held, 1, 40, 10)).toBe(true);
    expect(hold(held, 2, 40, 30)).toBe(true);
    // Needed after both: nothing is evicted for it.
    expect(hold(held, 3, 40, 50)).toBe(false);
    expect(held.indices().sort()).toEqual([1, 2]);
    // Needed before entry 2: entry 2 goes.
    expect(hold(held, 4, 40, 20)).toBe(true);
    expect(held.indices().sort()).toEqual([1, 4]);
    expect(held.get(4)).toEqual(new Uint8Array(40).fill(4));
    // Keys move on as children are met: entry 1 is now the farthest.
    held.setKey(1, 90);
    expect(hold(held, 5, 30, 60)).toBe(true);
    expect(held.indices().sort()).toEqual([4, 5]);
    expect(held.bytes).toBe(70);
    expect(held.peakBytes).toBe(80);
  });

  it('holds a base larger than its capacity alone, evicting all that is needed later', () => {
    const held = new HeldBases(100);
    expect(hold(held, 1, 150, 5)).toBe(true);
    expect(hold(held, 2, 10, 9)).toBe(false);
    held.release(1);
    expect(hold(held, 2, 10, 9)).toBe(true);
    expect(hold(held, 3, 150, 8)).toBe(true);
    expect(held.indices()).toEqual([3]);
    expect(held.bytes).toBe(150);
  });

  it('reuses the space of released bases, merged, and keeps contents intact', () => {
    const held = new HeldBases(100);
    for (let i = 0; i < 5; i++) hold(held, i, 20, i);
    for (const i of [1, 3, 2]) held.release(i);
    // 60 bytes free in one segment, between entries 0 and 4.
    expect(hold(held, 5, 60, 5)).toBe(true);
    const five = held.get(5)!;
    expect(five.buffer).toBe(held.get(0)!.buffer);
    expect(five.byteOffset - held.get(0)!.byteOffset).toBe(20);
    for (const i of [0, 4, 5]) expect(held.get(i)!.every((byte) => byte === i)).toBe(true);
  });

  it('takes its arena from the memory given', () => {
    const arena = new ArrayBuffer(128);
    const held = new HeldBases(100, arena);
    hold(held, 1, 10, 1);
    expect(held.get(1)!.buffer).toBe(arena);
  });

  it('survives many key updates', () => {
    const held = new HeldBases(1000);
    for (let i = 0; i < 10; i++) hold(held, i, 100, i);
    for (let round = 0; round < 100; round++) for (let i = 0; i < 10; i++) held.setKey(i, 1000 + round * 10 + i);
    // Entry 9 has the farthest key, then 8.
    expect(hold(held, 10, 150, 0)).toBe(true);
    expect(held.has(9) || held.has(8)).toBe(false);
    expect(held.size).toBe(9);
  });
});
