import { describe, expect, it } from 'vitest';
import { ConsumerStoppedError, teeBytes } from './tee.js';

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function chunks(count: number, size: number, onRead?: (index: number) => void): AsyncIterable<Uint8Array> {
  return (async function* () {
    for (let index = 0; index < count; index++) {
      onRead?.(index);
      yield new Uint8Array(size).fill(index);
    }
  })();
}

describe('teeBytes', () => {
  it('gives both consumers every byte in order', async () => {
    const { branches } = teeBytes(chunks(50, 1000), 4096);
    const [a, b] = await Promise.all(branches.map(collect));
    expect(a.equals(b)).toBe(true);
    expect(a.length).toBe(50_000);
    expect(a[49_999]).toBe(49);
  });

  it('stops reading the source while the slow consumer lags by the high-water mark', async () => {
    let read = 0;
    const { branches } = teeBytes(chunks(100, 1000, (index) => (read = index + 1)), 5000);
    const fast = collect(branches[0]);
    const slow = branches[1][Symbol.asyncIterator]();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(read).toBeLessThanOrEqual(6);
    await slow.next();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(read).toBeLessThanOrEqual(7);
    for (let result = await slow.next(); !result.done; result = await slow.next());
    expect((await fast).length).toBe(100_000);
  });

  it('fails the other consumer when one stops early, and both when the source fails', async () => {
    const { branches } = teeBytes(chunks(10, 10), 1000);
    for await (const chunk of branches[0]) {
      expect(chunk.length).toBe(10);
      break;
    }
    const stopped = await collect(branches[1]).then(() => undefined, (error: unknown) => error);
    expect(stopped).toBeInstanceOf(ConsumerStoppedError);
    expect(stopped).toMatchObject({ code: 'CONSUMER_STOPPED' });

    const failing = (async function* () {
      yield new Uint8Array(1);
      throw new Error('connection reset');
    })();
    const split = teeBytes(failing, 1000);
    await expect(Promise.all(split.branches.map(collect))).rejects.toThrow('connection reset');
  });
});
