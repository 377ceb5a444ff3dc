/**
 * Anything that yields bytes: a Node `Readable`, an undici response body, an async generator,
 * or a WHATWG `ReadableStream` (read through `getReader()`, so implementations without async
 * iteration work too).
 */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>;

/** Opens one iterator over a {@link ByteSource}. Its `return()` releases (cancels) the source. */
export function iterateBytes(source: ByteSource): AsyncIterator<Uint8Array, undefined> {
  if (isReadableStream(source)) return iterateReadableStream(source);
  return source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array, undefined>;
}

function isReadableStream(source: ByteSource): source is ReadableStream<Uint8Array> {
  return typeof (source as Partial<ReadableStream>).getReader === 'function';
}

function iterateReadableStream(stream: ReadableStream<Uint8Array>): AsyncIterator<Uint8Array, undefined> {
  const reader = stream.getReader();
  return {
    async next() {
      const result = await reader.read();
      if (!result.done) return { done: false, value: result.value };
      reader.releaseLock();
      return { done: true, value: undefined };
    },
    async return() {
      await reader.cancel();
      reader.releaseLock();
      return { done: true, value: undefined };
    },
  };
}
