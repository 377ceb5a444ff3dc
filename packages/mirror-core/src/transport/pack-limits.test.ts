import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TransportError } from '../errors.js';
import { capPackObjects } from './pack-object-cap.js';
import { enforceMinTransferRate } from './transfer-rate.js';

async function drain(stream: AsyncIterable<Uint8Array>, eachChunk?: () => Promise<void>): Promise<number> {
  let bytes = 0;
  for await (const chunk of stream) {
    bytes += chunk.byteLength;
    await eachChunk?.();
  }
  return bytes;
}

async function* chunks(sizes: number[], delayMs = 0, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  for (const size of sizes) {
    if (delayMs) await sleep(delayMs, undefined, { signal });
    yield new Uint8Array(size);
  }
}

function header(count: number): Uint8Array {
  const bytes = new Uint8Array(12);
  bytes.set([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2]);
  new DataView(bytes.buffer).setUint32(8, count);
  return bytes;
}

async function* split(bytes: Uint8Array, at: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const end of [...at, bytes.length]) {
    yield bytes.subarray(start, end);
    start = end;
  }
}

describe('capPackObjects', () => {
  it('passes a pack declaring up to the cap, and refuses one more, even with its header split over chunks', async () => {
    const body = new Uint8Array(100);
    const pack = (count: number) => new Uint8Array([...header(count), ...body]);
    expect(await drain(capPackObjects(split(pack(10), [3, 9, 11]), 10, 'http://source'))).toBe(112);
    const error = await drain(capPackObjects(split(pack(11), [3, 9, 11]), 10, 'http://source')).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ code: 'LIMIT_EXCEEDED', message: 'http://source: the pack declares 11 objects, more than the limit of 10' });
  });

  it('yields nothing past the header of a refused pack', async () => {
    let yielded = 0;
    await drain(capPackObjects(split(new Uint8Array([...header(0xffffffff), 1, 2, 3]), [12]), 1000, 'u'), async () => void yielded++).catch(() => {});
    expect(yielded).toBe(0);
  });
});

describe('enforceMinTransferRate', () => {
  const rate = { bytesPerSecond: 2000, windowMs: 200 };

  it('fails a source slower than the rate with TIMEOUT, through the fail callback', async () => {
    const controller = new AbortController();
    const failures: TransportError[] = [];
    const stream = enforceMinTransferRate(chunks(Array(100).fill(10), 50, controller.signal), rate, 'http://source', (error) => {
      failures.push(error);
      controller.abort(error);
    });
    const started = performance.now();
    const error = await drain(stream).catch((reason: unknown) => reason);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(failures).toHaveLength(1);
    expect(error).toBe(failures[0]);
    expect(error).toMatchObject({ code: 'TIMEOUT', message: expect.stringMatching(/^http:\/\/source: the pack arrived at \d+ bytes\/s over the last 0.2 s, below the minimum transfer rate of 2000 bytes\/s$/) });
  });

  it('does not count the time a slow consumer takes against a fast source', async () => {
    // 1000 bytes/s end to end, below the rate: only the consumer is slow.
    const stream = enforceMinTransferRate(chunks(Array(10).fill(100)), rate, 'http://source', () => expect.unreachable('the source is fast'));
    expect(await drain(stream, () => sleep(100))).toBe(1000);
  });

  it('starts measuring at the first chunk, however long the source took to start', async () => {
    async function* lateStart(): AsyncGenerator<Uint8Array> {
      await sleep(600);
      yield* chunks(Array(10).fill(1000), 10);
    }
    const stream = enforceMinTransferRate(lateStart(), rate, 'http://source', () => expect.unreachable('the pack is fast once it starts'));
    expect(await drain(stream)).toBe(10_000);
  });

  it('passes a source faster than the rate through unchanged', async () => {
    const stream = enforceMinTransferRate(chunks(Array(30).fill(1000), 20), rate, 'http://source', () => expect.unreachable('the source is fast enough'));
    expect(await drain(stream)).toBe(30_000);
  });
});
