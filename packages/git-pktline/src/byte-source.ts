/**
 * Anything that yields bytes: a Node `Readable`, an undici response body, an async generator, a
 * WHATWG `ReadableStream` (read through `getReader()`, so implementations without async iteration
 * work too), or chunks at hand.
 */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | Iterable<Uint8Array>;

/** One pass over a {@link ByteSource}: an iterator, iterable itself with `for await`. */
export interface ByteIterator extends AsyncIterator<Uint8Array, undefined> {
  [Symbol.asyncIterator](): ByteIterator;
}

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * Opens one iterator over a {@link ByteSource}. Its `return()`, which leaving a `for await` loop
 * early calls, releases the source: a ReadableStream is cancelled (a failed cancel is ignored, so
 * that it cannot hide the error that ended the loop) and unlocked.
 */
export function iterateBytes(source: ByteSource): ByteIterator {
  if (isReadableStream(source)) return iterateReader(source.getReader());
  const inner: AsyncIterator<Uint8Array> | Iterator<Uint8Array> = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  return {
    async next() {
      const result = await inner.next();
      return result.done ? DONE : result;
    },
    async return() {
      await inner.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function isReadableStream(source: ByteSource): source is ReadableStream<Uint8Array> {
  return typeof (source as Partial<ReadableStream>).getReader === 'function';
}

function iterateReader(reader: ReadableStreamDefaultReader<Uint8Array>): ByteIterator {
  let locked = true;
  const release = () => {
    if (!locked) return;
    locked = false;
    reader.releaseLock();
  };
  return {
    async next() {
      const result = await reader.read().catch((error: unknown) => {
        release();
        throw error;
      });
      if (!result.done) return { done: false, value: result.value };
      release();
      return DONE;
    },
    async return() {
      if (locked) {
        await reader.cancel().catch(() => {});
        release();
      }
      return DONE;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
