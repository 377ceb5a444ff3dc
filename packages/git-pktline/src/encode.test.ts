import { describe, expect, it } from 'vitest';
import { DELIM_PKT, FLUSH_PKT, MAX_PACKET_SIZE, MAX_PAYLOAD_SIZE, RESPONSE_END_PKT } from './constants.js';
import { encodePacket } from './encode.js';
import { PktLineError } from './errors.js';
import { PacketParser } from './packet-parser.js';
import { utf8 } from './test-support/bytes.js';

const latin1 = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');

describe('encodePacket', () => {
  it('frames the examples from gitprotocol-common', () => {
    expect(latin1(encodePacket('a\n'))).toBe('0006a\n');
    expect(latin1(encodePacket('a'))).toBe('0005a');
    expect(latin1(encodePacket('foobar\n'))).toBe('000bfoobar\n');
    expect(latin1(encodePacket(''))).toBe('0004');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const packet = encodePacket('héllo ☃\n');
    expect(latin1(packet.subarray(0, 4))).toBe((4 + utf8('héllo ☃\n').length).toString(16).padStart(4, '0'));
  });

  it.each([0, 1, 255, 4096, MAX_PAYLOAD_SIZE])('round-trips a %i-byte binary payload through the parser', (size) => {
    const payload = Uint8Array.from({ length: size }, (_, i) => (i * 7 + 3) & 0xff);
    const parser = new PacketParser();
    parser.push(encodePacket(payload));
    const packet = parser.next();
    expect(packet?.kind).toBe('data');
    expect(packet?.kind === 'data' && Buffer.compare(packet.data, payload)).toBe(0);
    expect(parser.offset).toBe(size + 4);
    expect(parser.next()).toBeUndefined();
  });

  it('accepts exactly MAX_PACKET_SIZE bytes and rejects one more', () => {
    expect(encodePacket(new Uint8Array(MAX_PAYLOAD_SIZE)).length).toBe(MAX_PACKET_SIZE);
    const error = (() => {
      try {
        encodePacket(new Uint8Array(MAX_PAYLOAD_SIZE + 1));
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(PktLineError);
    expect(error).toMatchObject({ code: 'PACKET_TOO_LONG', offset: -1 });
  });

  it('provides the special packets', () => {
    expect(latin1(FLUSH_PKT)).toBe('0000');
    expect(latin1(DELIM_PKT)).toBe('0001');
    expect(latin1(RESPONSE_END_PKT)).toBe('0002');
    const parser = new PacketParser();
    for (const packet of [FLUSH_PKT, DELIM_PKT, RESPONSE_END_PKT]) parser.push(packet);
    expect([parser.next(), parser.next(), parser.next()]).toEqual([
      { kind: 'flush' },
      { kind: 'delim' },
      { kind: 'response-end' },
    ]);
  });
});
