import { describe, expect, it } from 'vitest';
import { encodePacket } from './encode.js';
import { PktLineError } from './errors.js';
import { PacketParser } from './packet-parser.js';
import { utf8 } from './test-support/bytes.js';

function errorOf(action: () => unknown): PktLineError {
  try {
    action();
  } catch (error) {
    if (error instanceof PktLineError) return error;
    throw error;
  }
  throw new Error('expected a PktLineError');
}

describe('PacketParser', () => {
  it('parses data and every special packet in order', () => {
    const parser = new PacketParser();
    parser.push(utf8('0006a\n0000000100020004000bfoobar\n'));
    expect(parser.next()).toEqual({ kind: 'data', data: utf8('a\n') });
    expect(parser.next()).toEqual({ kind: 'flush' });
    expect(parser.next()).toEqual({ kind: 'delim' });
    expect(parser.next()).toEqual({ kind: 'response-end' });
    expect(parser.next()).toEqual({ kind: 'data', data: new Uint8Array(0) });
    expect(parser.next()).toEqual({ kind: 'data', data: utf8('foobar\n') });
    expect(parser.next()).toBeUndefined();
    expect(parser.offset).toBe(33);
    expect(() => parser.end()).not.toThrow();
  });

  it('accepts upper-case hex lengths as git does', () => {
    const parser = new PacketParser();
    parser.push(utf8(`000A${'x'.repeat(6)}`));
    expect(parser.next()).toEqual({ kind: 'data', data: utf8('xxxxxx') });
  });

  it('waits for the rest of a packet and reports buffered bytes', () => {
    const parser = new PacketParser();
    parser.push(utf8('00'));
    expect(parser.next()).toBeUndefined();
    parser.push(utf8('0ahel'));
    expect(parser.next()).toBeUndefined();
    expect(parser.buffered).toBe(7);
    parser.push(utf8('lo!'));
    expect(parser.next()).toEqual({ kind: 'data', data: utf8('hello!') });
    expect(parser.buffered).toBe(0);
  });

  it.each([
    ['00g0', 'BAD_LENGTH'],
    ['+012', 'BAD_LENGTH'],
    [' 004', 'BAD_LENGTH'],
    ['\u00000\u00000', 'BAD_LENGTH'],
    ['0003', 'RESERVED_LENGTH'],
    ['fff1', 'PACKET_TOO_LONG'],
    ['ffff', 'PACKET_TOO_LONG'],
  ])('rejects length %j with %s at the packet offset, repeatedly', (header, code) => {
    const parser = new PacketParser();
    parser.push(encodePacket('ok\n'));
    parser.push(utf8(`${header}${'z'.repeat(8)}`));
    expect(parser.next()).toEqual({ kind: 'data', data: utf8('ok\n') });
    const error = errorOf(() => parser.next());
    expect(error.code).toBe(code);
    expect(error.offset).toBe(7);
    expect(error.message).toContain('at byte 7');
    expect(errorOf(() => parser.next()).code).toBe(code);
  });

  it('accepts a packet of exactly 65520 bytes (length fff0)', () => {
    const parser = new PacketParser();
    parser.push(utf8('fff0'));
    parser.push(new Uint8Array(65516));
    const packet = parser.next();
    expect(packet?.kind === 'data' && packet.data.length).toBe(65516);
  });

  it.each([
    ['inside the header', '00', 0, 2],
    ['inside the payload', '000ahel', 0, 7],
    ['after a complete packet', '0005a000ahel', 5, 7],
  ])('end() reports EOF %s', (_, text, offset, buffered) => {
    const parser = new PacketParser();
    parser.push(utf8(text));
    while (parser.next() !== undefined);
    const error = errorOf(() => parser.end());
    expect(error).toMatchObject({ code: 'UNEXPECTED_EOF', offset });
    expect(error.message).toContain(`${buffered} byte`);
  });

  it('hands out buffered bytes as views and counts them in the offset', () => {
    const parser = new PacketParser();
    const chunk = utf8('0005aPACK');
    parser.push(chunk);
    parser.next();
    const rest = parser.takeBuffered();
    expect(rest).toEqual([utf8('PACK')]);
    expect(rest[0].buffer).toBe(chunk.buffer);
    expect(parser.offset).toBe(9);
    expect(parser.buffered).toBe(0);
  });
});
