import { describe, expect, it } from 'vitest';
import { FLUSH_PKT } from './constants.js';
import { encodePacket } from './encode.js';
import { PktLineError } from './errors.js';
import { parseLsRefs } from './ls-refs.js';
import { PktLineReader } from './reader.js';
import { parseRefAdvertisement } from './ref-advertisement.js';
import { chunksOf, concat } from './test-support/bytes.js';

const OID = '1'.repeat(40);
const refLine = (i: number, capabilities = '') => encodePacket(`${OID} refs/heads/b${i}${capabilities}\n`);
const v0 = (count: number) => concat([...Array.from({ length: count }, (_, i) => refLine(i, i === 0 ? '\0side-band-64k' : '')), FLUSH_PKT]);
const lsRefs = (count: number) => concat([...Array.from({ length: count }, (_, i) => refLine(i)), FLUSH_PKT]);

/** Yields `first`, then `next` forever, counting what was pulled, so a test sees the parser stop early. */
function endless(first: Uint8Array[], next: Uint8Array): { source: AsyncGenerator<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  async function* source() {
    for (const chunk of first) yield chunk;
    for (let i = 0; i < 10_000_000; i++) {
      pulled += next.length;
      yield next;
    }
  }
  return { source: source(), pulled: () => pulled };
}

async function limitError(promise: Promise<unknown>): Promise<PktLineError> {
  const error = await promise.then(() => undefined, (reason: unknown) => reason);
  expect(error).toBeInstanceOf(PktLineError);
  expect((error as PktLineError).code).toBe('LIMIT_EXCEEDED');
  return error as PktLineError;
}

describe('ref listing limits', () => {
  it('accepts a v0 advertisement of exactly maxRefs refs and refuses one more', async () => {
    const ok = await parseRefAdvertisement(new PktLineReader(chunksOf([v0(5)])), { maxRefs: 5 });
    expect(ok.refs).toHaveLength(5);
    const error = await limitError(parseRefAdvertisement(new PktLineReader(chunksOf([v0(6)])), { maxRefs: 5 }));
    expect(error.message).toContain('more than the limit of 5 refs');
  });

  it('counts shallow lines as refs, peeled lines not', async () => {
    const peeled = concat([refLine(0, '\0ofs-delta'), encodePacket(`${OID} refs/heads/b0^{}\n`), encodePacket(`shallow ${OID}\n`), FLUSH_PKT]);
    expect((await parseRefAdvertisement(new PktLineReader(chunksOf([peeled])), { maxRefs: 2 })).shallow).toEqual([OID]);
    await limitError(parseRefAdvertisement(new PktLineReader(chunksOf([peeled])), { maxRefs: 1 }));
  });

  it('refuses an advertisement longer than maxBytes, framing included', async () => {
    const bytes = v0(10);
    expect((await parseRefAdvertisement(new PktLineReader(chunksOf([bytes])), { maxBytes: bytes.length })).refs).toHaveLength(10);
    const error = await limitError(parseRefAdvertisement(new PktLineReader(chunksOf([bytes])), { maxBytes: bytes.length - 5 }));
    expect(error.message).toContain(`exceeds the limit of ${bytes.length - 5} bytes`);
  });

  it('stops reading an endless advertisement, prelude and v2 capabilities included, one packet past maxBytes', async () => {
    const prelude = encodePacket('# service=git-upload-pack\n');
    const cases = [
      { first: [refLine(0, '\0ofs-delta')], next: refLine(1) },
      { first: [prelude], next: encodePacket('# another header line\n') },
      { first: [encodePacket('version 2\n')], next: encodePacket(`x-${'y'.repeat(1000)}=z\n`) },
    ];
    for (const { first, next } of cases) {
      const { source, pulled } = endless(first, next);
      await limitError(parseRefAdvertisement(new PktLineReader(source), { maxBytes: 100_000 }));
      expect(pulled()).toBeLessThanOrEqual(100_000 + next.length);
    }
  });

  it('applies both limits to ls-refs output', async () => {
    expect(await parseLsRefs(new PktLineReader(chunksOf([lsRefs(3)])), { maxRefs: 3 })).toHaveLength(3);
    await limitError(parseLsRefs(new PktLineReader(chunksOf([lsRefs(4)])), { maxRefs: 3 }));
    const { source, pulled } = endless([], refLine(7));
    await limitError(parseLsRefs(new PktLineReader(source), { maxBytes: 50_000 }));
    expect(pulled()).toBeLessThanOrEqual(50_000 + refLine(7).length);
  });
});
