import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sortByIds } from './idx-writer.js';
import { compareIds } from './object-id.js';

/** The order a stable comparison sort gives: by id, equal ids in their original order. */
function referenceOrder(ids: Uint8Array, count: number): number[] {
  return Array.from({ length: count }, (_, i) => i).sort((a, b) => compareIds(ids, a * 20, ids, b * 20) || a - b);
}

describe('sortByIds', () => {
  it('orders random ids like a comparison sort', () => {
    const count = 50_000;
    const ids = randomBytes(count * 20);
    expect(Array.from(sortByIds(ids, count))).toEqual(referenceOrder(ids, count));
  });

  it('keeps equal ids in pack order, and sorts a crowded bucket (ids sharing their first two bytes)', () => {
    const count = 3000;
    const ids = randomBytes(count * 20);
    for (let i = 0; i < count; i++) {
      // Two thirds share a prefix, far past the insertion-sort limit; every tenth repeats an earlier id.
      if (i % 3 !== 0) ids.set([0xab, 0xcd], i * 20);
      if (i % 10 === 9) ids.copyWithin(i * 20, (i - 7) * 20, (i - 6) * 20);
    }
    const order = sortByIds(ids, count);
    expect(Array.from(order)).toEqual(referenceOrder(ids, count));
    const firstCopy = order.indexOf(9 - 7);
    expect(order[firstCopy + 1]).toBe(9);
  });

  it('handles no ids and a single one', () => {
    expect(sortByIds(new Uint8Array(0), 0)).toEqual(new Uint32Array(0));
    expect(sortByIds(randomBytes(20), 1)).toEqual(Uint32Array.of(0));
  });
});
