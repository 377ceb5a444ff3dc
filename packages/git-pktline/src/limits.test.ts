import { describe, expect, it } from 'vitest';
import { FLUSH_PKT } from './constants.js';
import { encodePacket } from './encode.js';
import { PktLineError } from './errors.js';
import { ListingLimitError, listingLimitsFor, MIN_DERIVED_REFS, PARSED_REF_OVERHEAD, TYPICAL_REF_LINE } from './limits.js';
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

describe('listingLimitsFor', () => {
  const MiB = 1024 * 1024;

  it('fills the memory given with ordinary refs, and bounds the heap whichever limit is reached first', () => {
    for (const memory of [64 * MiB, 256 * MiB, 1024 * MiB]) {
      const { maxRefs, maxBytes } = listingLimitsFor(memory);
      expect(maxRefs * (PARSED_REF_OVERHEAD + TYPICAL_REF_LINE)).toBeLessThanOrEqual(memory);
      expect(maxRefs * (PARSED_REF_OVERHEAD + TYPICAL_REF_LINE)).toBeGreaterThan(memory - (PARSED_REF_OVERHEAD + TYPICAL_REF_LINE));
      expect(maxRefs * PARSED_REF_OVERHEAD + maxBytes).toBeLessThanOrEqual(memory);
    }
    expect(listingLimitsFor(64 * MiB).maxRefs).toBe(Math.floor((64 * MiB) / 219));
    expect(listingLimitsFor(128 * MiB).maxRefs).toBeGreaterThan(listingLimitsFor(64 * MiB).maxRefs);
  });

  it('never goes below the floor of refs and their bytes', () => {
    for (const memory of [0, MiB, 16 * MiB]) {
      expect(listingLimitsFor(memory)).toEqual({ maxRefs: MIN_DERIVED_REFS, maxBytes: MIN_DERIVED_REFS * TYPICAL_REF_LINE });
    }
  });

  it('accepts maxRefs ordinary refs; past it, shorter names hit maxRefs and ordinary ones maxBytes', async () => {
    const limits = listingLimitsFor(0);
    const ordinary = encodePacket(`${OID} refs/heads/${'n'.repeat(29)}\n`);
    const short = encodePacket(`${OID} refs/heads/s\n`);
    expect(ordinary.length).toBe(TYPICAL_REF_LINE);
    const listing = (line: Uint8Array, count: number) => concat([...Array.from({ length: count }, () => line), FLUSH_PKT]);
    expect(await parseLsRefs(new PktLineReader(chunksOf([listing(ordinary, limits.maxRefs)])), limits)).toHaveLength(limits.maxRefs);
    const refs = await limitError(parseLsRefs(new PktLineReader(chunksOf([listing(short, limits.maxRefs + 1)])), limits));
    expect(refs.message).toContain(`more than the limit of ${limits.maxRefs} refs`);
    expect(refs).toBeInstanceOf(ListingLimitError);
    expect(refs).toMatchObject({ limit: 'maxRefs', value: limits.maxRefs });
    const bytes = await limitError(parseLsRefs(new PktLineReader(chunksOf([listing(ordinary, limits.maxRefs + 1)])), limits));
    expect(bytes.message).toContain(`exceeds the limit of ${limits.maxBytes} bytes`);
    expect(bytes).toMatchObject({ limit: 'maxBytes', value: limits.maxBytes });
  });
});
