import { describe, expect, it } from 'vitest';
import { applyDelta, readDeltaHeader } from './delta.js';
import { PackError } from './errors.js';
import { makeDelta } from './test-support/pack-writer.js';

describe('applyDelta', () => {
  const base = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');

  it('copies from the base and inserts literal bytes', () => {
    const delta = makeDelta(base.length, 13, [['copy', 10, 6], ['insert', Buffer.from('--')], ['copy', 0, 5]]);
    expect(readDeltaHeader(delta)).toEqual({ baseSize: base.length, resultSize: 13, instructions: 2 });
    expect(Buffer.from(applyDelta(base, delta)).toString()).toBe('abcdef--01234');
  });

  it('reads a copy size of 0 as 0x10000, and long copies', () => {
    const big = Buffer.alloc(0x20000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const delta = makeDelta(big.length, 0x10000 + 300, [['raw', [0x81, 0x03]], ['copy', 5, 300]]);
    const result = applyDelta(new Uint8Array(big), delta);
    expect(Buffer.from(result)).toEqual(Buffer.concat([big.subarray(3, 3 + 0x10000), big.subarray(5, 305)]));
  });

  it('rejects malformed deltas with a code', () => {
    const cases: [Buffer, string][] = [
      [makeDelta(base.length, 1, [['raw', [0]]]), 'BAD_DELTA'],
      [makeDelta(base.length, 4, [['raw', [0x05, 0x61]]]), 'BAD_DELTA'],
      [makeDelta(base.length + 1, 1, [['copy', 0, 1]]), 'DELTA_BASE_SIZE_MISMATCH'],
      [makeDelta(base.length, 40, [['copy', 0, 40]]), 'DELTA_COPY_OUT_OF_RANGE'],
      [makeDelta(base.length, 2, [['copy', 0, 1]]), 'DELTA_RESULT_SIZE_MISMATCH'],
      [makeDelta(base.length, 1, [['insert', Buffer.from('ab')]]), 'DELTA_RESULT_SIZE_MISMATCH'],
      [Buffer.from([0x80]), 'BAD_DELTA'],
      [makeDelta(base.length, 0, []), 'BAD_DELTA'],
    ];
    for (const [delta, code] of cases) {
      expect(() => applyDelta(base, delta, 1234), code).toThrow(expect.objectContaining({ code, offset: 1234 }));
      expect(() => applyDelta(base, delta)).toThrow(PackError);
    }
  });
});
