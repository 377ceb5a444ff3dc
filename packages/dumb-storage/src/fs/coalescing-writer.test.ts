import type { FileHandle } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CoalescingWriter } from './coalescing-writer.js';

/** A handle that records each write call's length and writes at most `maxPerCall` bytes per call (short writes). */
function recordingHandle(maxPerCall = Infinity) {
  const written: number[] = [];
  const calls: number[] = [];
  const handle = {
    write: async (buffer: Uint8Array, offset: number, length: number) => {
      const bytesWritten = Math.min(length, maxPerCall);
      calls.push(bytesWritten);
      written.push(...buffer.subarray(offset, offset + bytesWritten));
      return { bytesWritten, buffer };
    },
  } as unknown as FileHandle;
  return { handle, written, calls };
}

/** `count` chunks of `size` bytes with distinct contents. */
function chunks(count: number, size: number): Uint8Array[] {
  return Array.from({ length: count }, (_, index) => Uint8Array.from({ length: size }, (_, at) => (index * 31 + at) % 251));
}

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

describe('CoalescingWriter', () => {
  it('writes many small chunks in buffer-sized calls, byte for byte', async () => {
    const { handle, written, calls } = recordingHandle();
    const writer = new CoalescingWriter(handle, 1000);
    const input = chunks(37, 96);
    for (const chunk of input) await writer.write(chunk);
    expect(calls).toEqual([1000, 1000, 1000]);
    await writer.flush();
    expect(calls).toEqual([1000, 1000, 1000, 37 * 96 - 3000]);
    expect(Uint8Array.from(written)).toEqual(concat(input));
  });

  it('writes a chunk as large as the buffer as it is, after what the buffer held', async () => {
    const { handle, written, calls } = recordingHandle();
    const writer = new CoalescingWriter(handle, 100);
    const input = [...chunks(1, 30), ...chunks(1, 250), ...chunks(1, 100), ...chunks(1, 10)];
    for (const chunk of input) await writer.write(chunk);
    await writer.flush();
    expect(calls).toEqual([30, 250, 100, 10]);
    expect(Uint8Array.from(written)).toEqual(concat(input));
  });

  it('keeps the bytes of a chunk that straddles a full buffer, and survives short writes', async () => {
    const { handle, written, calls } = recordingHandle(64);
    const writer = new CoalescingWriter(handle, 100);
    const input = chunks(7, 70);
    for (const chunk of input) await writer.write(chunk);
    await writer.flush();
    await writer.flush();
    expect(calls.reduce((sum, length) => sum + length, 0)).toBe(490);
    expect(calls.every((length) => length <= 64)).toBe(true);
    expect(Uint8Array.from(written)).toEqual(concat(input));
  });

  it('writes nothing for no bytes', async () => {
    const { handle, calls } = recordingHandle();
    const writer = new CoalescingWriter(handle, 100);
    await writer.write(new Uint8Array(0));
    await writer.flush();
    expect(calls).toEqual([]);
  });
});
