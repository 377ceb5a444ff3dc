/** A stream of bytes: an async iterable (Node streams included), a WHATWG `ReadableStream`, or chunks at hand. */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | Iterable<Uint8Array>;

/** Iterates `source` as an async iterable, whichever shape it has. */
export function iterateBytes(source: ByteSource): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  if (Symbol.asyncIterator in source || Symbol.iterator in source) return source;
  return readStream(source);
}

async function* readStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
