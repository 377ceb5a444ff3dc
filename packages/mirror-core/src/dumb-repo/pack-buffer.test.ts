import { describe, expect, it } from 'vitest';
import { PackBuffer } from './pack-buffer.js';

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
  let total = 0;
  for await (const chunk of source) total += chunk.byteLength;
  return total;
}

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

describe('PackBuffer', () => {
  const bytes = Uint8Array.from({ length: 3 * 1024 * 1024 + 17 }, (_, index) => (index * 7919) % 251);

  it('passes the stream through and reads back any range, across block boundaries', async () => {
    const buffer = new PackBuffer(8 * 1024 * 1024);
    expect(await drain(buffer.record(chunksOf(bytes, 100_003)))).toBe(bytes.length);
    expect(buffer.complete).toBe(true);
    for (const [offset, length] of [[0, 10], [1024 * 1024 - 5, 10], [5, 2 * 1024 * 1024 + 3], [bytes.length - 17, 17]]) {
      expect(buffer.read(offset, length)).toEqual(bytes.subarray(offset, offset + length));
    }
    expect(() => buffer.read(bytes.length - 1, 2)).toThrow(RangeError);
  });

  it('gives up the copy, not the stream, when the pack outgrows the limit', async () => {
    const buffer = new PackBuffer(1024 * 1024);
    expect(await drain(buffer.record(chunksOf(bytes, 65_536)))).toBe(bytes.length);
    expect(buffer.complete).toBe(false);
  });
});
