/** A stream of bytes: an async iterable (Node streams included), a WHATWG `ReadableStream`, or chunks at hand. */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | Iterable<Uint8Array>;

/**
 * Iterates `source` as an async iterable, whichever shape it has. Leaving the loop early releases
 * the source: a ReadableStream is cancelled, as `for await` does to an async iterable.
 */
export function iterateBytes(source: ByteSource): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  if (Symbol.asyncIterator in source || Symbol.iterator in source) return source;
  return readStream(source);
}

async function* readStream(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let ended = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        return;
      }
      yield value;
    }
  } finally {
    // A failed cancel must not hide the error that ended the loop.
    if (!ended) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}
