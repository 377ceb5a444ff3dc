import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PackError } from './errors.js';
import { PackChecksum } from './pack-checksum.js';
import { withTrailer } from './test-support/pack-writer.js';

const body = Buffer.concat([Buffer.from('PACK\0\0\0\x02\0\0\0\x01'), Buffer.from('some entry bytes, '.repeat(5))]);
const pack = withTrailer(body);

/** Feeds `bytes` in chunks of `size`; the consumer takes at most `limit` bytes in all. */
function run(bytes: Uint8Array, size: number, limit = Infinity): { passed: Buffer; checksum: PackChecksum } {
  const checksum = new PackChecksum();
  const passed: Uint8Array[] = [];
  let taken = 0;
  const consume = (piece: Uint8Array) => {
    const take = Math.min(piece.length, limit - taken);
    passed.push(Uint8Array.prototype.slice.call(piece, 0, take));
    taken += take;
    return take;
  };
  for (let at = 0; at < bytes.length; at += size) checksum.push(bytes.subarray(at, at + size), consume);
  return { passed: Buffer.concat(passed), checksum };
}

describe('PackChecksum', () => {
  it('passes on all but the last 20 bytes, never holding the header back, and checks them as the trailer', () => {
    for (const size of [1, 7, 20, 21, 64, 1000]) {
      const { passed, checksum } = run(pack, size);
      expect(passed.equals(body)).toBe(true);
      const ending = checksum.end();
      expect(Buffer.from(ending.trailer).equals(createHash('sha1').update(body).digest())).toBe(true);
      expect(ending).toMatchObject({ valid: true, extra: 0 });
    }
    expect(run(pack.subarray(0, 12), 12).passed.length).toBe(12);
    expect(run(pack.subarray(0, 20), 20).passed.length).toBe(12);
  });

  it('tells a bad or short trailer', () => {
    const bad = Buffer.from(pack);
    bad[bad.length - 1]! ^= 1;
    expect(run(bad, 9).checksum.end()).toMatchObject({ valid: false, extra: 0 });
    expect(run(pack.subarray(0, -1), 9).checksum.end()).toMatchObject({ valid: false });
  });

  it('checks the 20 bytes after a body that ended early as its trailer: junk after it fails at once', () => {
    const junk = Buffer.concat([pack, Buffer.from('junk'.repeat(10))]);
    for (const size of [1, 5, 64]) {
      let error: unknown;
      try {
        run(junk, size, body.length);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(PackError);
      expect(error).toMatchObject({ code: 'JUNK_AFTER_TRAILER', offset: pack.length });
    }
    const short = Buffer.concat([pack, Buffer.from('junk')]);
    expect(() => run(short, 3, body.length).checksum.end()).toThrow(expect.objectContaining({ code: 'JUNK_AFTER_TRAILER' }));
    // More entries than the consumer takes, under a valid trailer of the whole.
    const longer = withTrailer(Buffer.concat([body, Buffer.from('another entry')]));
    const { checksum } = run(longer, 6, body.length);
    expect(checksum.end()).toMatchObject({ valid: true, extra: 'another entry'.length });
  });
});
