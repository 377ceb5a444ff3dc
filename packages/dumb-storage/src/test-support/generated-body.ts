import { createHash } from 'node:crypto';

/** A deterministic pseudo-random body streamed in chunks, with the sha256 of what it yielded. */
export interface GeneratedBody extends AsyncIterable<Uint8Array> {
  /** Bytes yielded so far. */
  readonly yielded: number;
  /** sha256 (hex) of everything yielded; complete once iteration finished. */
  digest(): string;
}

/**
 * Generates `size` bytes in chunks of `chunkSize` (an odd size by default so chunks never line up with parts).
 * `failAfter` makes the iterator throw once that many bytes were yielded; `onChunk` sees each chunk's end offset.
 */
export function generatedBody(
  size: number,
  options: { seed?: number; chunkSize?: number; failAfter?: number; onChunk?: (end: number) => void | Promise<void> } = {},
): GeneratedBody {
  const chunkSize = options.chunkSize ?? 100_003;
  const hash = createHash('sha256');
  let state = (options.seed ?? 1) >>> 0 || 1;
  let yielded = 0;
  return {
    get yielded() {
      return yielded;
    },
    digest: () => hash.copy().digest('hex'),
    async *[Symbol.asyncIterator]() {
      while (yielded < size) {
        if (options.failAfter !== undefined && yielded >= options.failAfter) {
          throw new Error(`generated body failed on purpose after ${yielded} bytes`);
        }
        const length = Math.min(chunkSize, size - yielded);
        const words = new Uint32Array(Math.ceil(length / 4));
        for (let index = 0; index < words.length; index++) {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          words[index] = state;
        }
        const chunk = new Uint8Array(words.buffer, 0, length);
        hash.update(chunk);
        yielded += length;
        await options.onChunk?.(yielded);
        yield chunk;
      }
    },
  };
}

/** sha256 (hex) of a stream of chunks. */
export async function sha256Of(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunks) hash.update(chunk);
  return hash.digest('hex');
}

/** Concatenates a stream of chunks (for small objects in tests). */
export async function bytesOf(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts);
}
