import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIM_PKT, FLUSH_PKT, RESPONSE_END_PKT } from './constants.js';
import { encodePacket } from './encode.js';
import { PktLineError } from './errors.js';
import type { Packet } from './packet.js';
import { PktLineReader } from './reader.js';
import { chunksOf, collect, concat, splitAt, utf8 } from './test-support/bytes.js';
import { createSampleRepo, createSandbox, type Sandbox } from './test-support/git.js';

let sandbox: Sandbox;
/** A real v0 advertisement from git, followed by every special packet and an empty packet. */
let sample: Uint8Array;

beforeAll(async () => {
  sandbox = await createSandbox();
  const repo = await createSampleRepo(sandbox);
  const advertisement = await sandbox.git(['upload-pack', '--advertise-refs', '--stateless-rpc', repo]);
  sample = concat([
    advertisement,
    DELIM_PKT,
    encodePacket(''),
    RESPONSE_END_PKT,
    FLUSH_PKT,
  ]);
});

afterAll(() => sandbox.remove());

const maxPacket = encodePacket(Uint8Array.from({ length: 65516 }, (_, i) => (i * 31) & 0xff));

function encodeAll(packets: readonly Packet[]): Uint8Array {
  const special = { flush: FLUSH_PKT, delim: DELIM_PKT, 'response-end': RESPONSE_END_PKT };
  return concat(packets.map((packet) => (packet.kind === 'data' ? encodePacket(packet.data) : special[packet.kind])));
}

/** Asserts a packet sequence is exactly the one framed in `bytes`, comparing bytes rather than objects (fast). */
function expectPackets(packets: readonly Packet[], bytes: Uint8Array, message?: string): void {
  expect(Buffer.compare(encodeAll(packets), bytes), message).toBe(0);
}

async function errorOf(promise: Promise<unknown>): Promise<PktLineError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (error instanceof PktLineError) return error;
  throw new Error(`expected a PktLineError, got ${String(error)}`);
}

describe('PktLineReader', () => {
  it('reads a real stream in one chunk and re-encodes it byte for byte', async () => {
    const packets = await collect(new PktLineReader(chunksOf([sample])));
    expect(packets.filter((packet) => packet.kind === 'data').length).toBeGreaterThan(8);
    expect(encodeAll(packets)).toEqual(sample);
  });

  it('yields identical packets when the stream is split at every byte position', async () => {
    const expected = await collect(new PktLineReader(chunksOf([sample])));
    for (let position = 1; position < sample.length; position++) {
      const packets = await collect(new PktLineReader(chunksOf(splitAt(sample, [position]))));
      expect(packets.length, `split at ${position}`).toBe(expected.length);
      expectPackets(packets, sample, `split at ${position}`);
    }
  });

  it('yields identical packets from 1-byte chunks', async () => {
    const positions = Array.from({ length: sample.length - 1 }, (_, i) => i + 1);
    const reader = new PktLineReader(chunksOf(splitAt(sample, positions)));
    expectPackets(await collect(reader), sample);
    expect(reader.offset).toBe(sample.length);
  });

  it('reassembles a maximum-size packet split anywhere', async () => {
    const stream = concat([maxPacket, FLUSH_PKT]);
    for (const position of [1, 2, 3, 4, 5, 4096, 65519, 65520, 65521, 65523]) {
      const packets = await collect(new PktLineReader(chunksOf(splitAt(stream, [position]))));
      expect(packets.map((packet) => packet.kind)).toEqual(['data', 'flush']);
      expectPackets(packets, stream, `split at ${position}`);
    }
  });

  it('returns views of the chunk for packets inside one chunk, and copies across chunks', async () => {
    const third = encodePacket('three\n');
    const chunk = concat([encodePacket('one\n'), encodePacket('two\n'), third.subarray(0, 7)]);
    const tail = third.slice(7);
    const packets = await collect(new PktLineReader((async function* () {
      yield chunk;
      yield tail;
    })()));
    const [one, two, three] = packets.map((packet) => (packet.kind === 'data' ? packet.data : new Uint8Array()));
    expect(one.buffer).toBe(chunk.buffer);
    expect(two.buffer).toBe(chunk.buffer);
    expect(two.byteOffset).toBe(12);
    expect(three.buffer).not.toBe(chunk.buffer);
    expect(three.buffer).not.toBe(tail.buffer);
    expect(Buffer.from(three).toString()).toBe('three\n');
  });

  it('reads web ReadableStreams and Node Readables alike', async () => {
    const parts = splitAt(sample, [3, 100, 101, 500]);
    const web = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const part of parts) controller.enqueue(part);
        controller.close();
      },
    });
    expectPackets(await collect(new PktLineReader(web)), sample);
    expectPackets(await collect(new PktLineReader(Readable.from(parts.map((part) => Buffer.from(part))))), sample);
  });

  it('keeps the source open across phases and hands over the rest as raw bytes', async () => {
    let closed = false;
    const source = (async function* () {
      try {
        yield concat([encodePacket('# service=git-upload-pack\n'), FLUSH_PKT, encodePacket('ref\n')]);
        yield concat([FLUSH_PKT, encodePacket('NAK\n'), utf8('PACK')]);
        yield utf8('rest-of-pack');
      } finally {
        closed = true;
      }
    })();
    const reader = new PktLineReader(source);
    for await (const packet of reader) if (packet.kind === 'flush') break;
    expect(closed).toBe(false);
    expect((await reader.readUntilFlush()).map((data) => Buffer.from(data).toString())).toEqual(['ref\n']);
    expect(await reader.read()).toEqual({ kind: 'data', data: utf8('NAK\n') });
    expect(reader.offset).toBe(54);
    expect(Buffer.from(concat(await collect(reader.rest()))).toString()).toBe('PACKrest-of-pack');
    expect(reader.offset).toBe(70);
    expect(closed).toBe(true);
    await expect(reader.read()).rejects.toThrow(/after rest/);
  });

  it('cancels the source when rest() is abandoned or cancel() is called', async () => {
    let closed = 0;
    const source = () =>
      (async function* () {
        try {
          yield utf8('0000abc');
          yield utf8('def');
        } finally {
          closed++;
        }
      })();
    const reader = new PktLineReader(source());
    await reader.read();
    for await (const bytes of reader.rest()) {
      expect(Buffer.from(bytes).toString()).toBe('abc');
      break;
    }
    expect(closed).toBe(1);
    const second = new PktLineReader(source());
    await second.read();
    await second.cancel();
    expect(closed).toBe(2);
  });

  it('cancels a web ReadableStream source', async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(FLUSH_PKT.slice());
      },
      cancel() {
        cancelled = true;
      },
    });
    const reader = new PktLineReader(stream);
    expect(await reader.read()).toEqual({ kind: 'flush' });
    await reader.cancel();
    expect(cancelled).toBe(true);
    expect(stream.locked).toBe(false);
  });

  it('returns null at a clean end and keeps returning it', async () => {
    const reader = new PktLineReader(chunksOf([FLUSH_PKT]));
    expect(await reader.read()).toEqual({ kind: 'flush' });
    expect(await reader.read()).toBeNull();
    expect(await reader.read()).toBeNull();
  });

  it.each([
    ['inside the length', ['0006a\n', '00'], 6],
    ['inside the payload', ['0006a\n000ahe', 'l'], 6],
  ])('throws UNEXPECTED_EOF %s with the packet offset', async (_, chunks, offset) => {
    const reader = new PktLineReader(chunksOf(chunks.map(utf8)));
    expect(await reader.read()).toEqual({ kind: 'data', data: utf8('a\n') });
    expect(await errorOf(reader.read())).toMatchObject({ code: 'UNEXPECTED_EOF', offset });
  });

  it.each([
    ['0006a\n00x0', 'BAD_LENGTH', 6],
    ['00030000', 'RESERVED_LENGTH', 0],
    ['0000fff1', 'PACKET_TOO_LONG', 4],
  ])('throws on bad framing %j without waiting for more data', async (text, code, offset) => {
    const never = (async function* () {
      yield utf8(text);
      await new Promise(() => {});
    })();
    const reader = new PktLineReader(never);
    const error = await errorOf((async () => {
      for (;;) await reader.read();
    })());
    expect(error).toMatchObject({ code, offset });
  });

  it('readUntilFlush rejects a missing flush and special packets before it', async () => {
    const eof = new PktLineReader(chunksOf([encodePacket('a\n')]));
    expect(await errorOf(eof.readUntilFlush())).toMatchObject({ code: 'UNEXPECTED_EOF', offset: 6 });
    const delim = new PktLineReader(chunksOf([concat([encodePacket('a\n'), DELIM_PKT])]));
    expect(await errorOf(delim.readUntilFlush())).toMatchObject({ code: 'UNEXPECTED_PACKET', offset: 6 });
  });

  it('propagates source errors and rejects non-byte chunks', async () => {
    const failing = (async function* () {
      yield utf8('00');
      throw new Error('connection reset');
    })();
    const reader = new PktLineReader(failing);
    await expect(reader.read()).rejects.toThrow('connection reset');
    await expect(reader.read()).rejects.toThrow('connection reset');
    const strings = (async function* () {
      yield '0000';
    })() as unknown as AsyncIterable<Uint8Array>;
    await expect(new PktLineReader(strings).read()).rejects.toThrow(TypeError);
  });
});
