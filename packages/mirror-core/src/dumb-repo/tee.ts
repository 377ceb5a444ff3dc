/**
 * What a branch of {@link teeBytes} fails with when the other one stopped reading early: the consequence of that
 * consumer's own failure, which callers report instead when there is one.
 */
export class ConsumerStoppedError extends Error {
  override name = 'ConsumerStoppedError';
  readonly code = 'CONSUMER_STOPPED';
  constructor() {
    super('The other consumer of the pack stream stopped');
  }
}

/**
 * Splits one byte stream into two consumers with backpressure: a chunk is read from `source` only while both
 * branches hold fewer than `highWaterMark` unread bytes, so the faster consumer waits for the slower one and
 * memory stays bounded. When a branch stops early the other fails with a {@link ConsumerStoppedError}; after
 * `abort(reason)` both fail with `reason`. Either way the source is closed.
 */
export function teeBytes(
  source: AsyncIterable<Uint8Array>,
  highWaterMark: number,
): { branches: [AsyncIterable<Uint8Array>, AsyncIterable<Uint8Array>]; abort(reason: unknown): void } {
  const iterator = source[Symbol.asyncIterator]();
  const queues: Uint8Array[][] = [[], []];
  const queuedBytes = [0, 0];
  let finished = false;
  let failure: { reason: unknown } | undefined;
  let reading: Promise<void> | undefined;
  let wake: () => void = () => {};
  let changed = new Promise<void>((resolve) => (wake = resolve));

  const notify = () => {
    const resolve = wake;
    changed = new Promise<void>((next) => (wake = next));
    resolve();
  };

  const abort = (reason: unknown) => {
    if (failure || finished) return;
    failure = { reason };
    queues[0].length = queues[1].length = 0;
    void iterator.return?.().catch(() => {});
    notify();
  };

  const readNext = () =>
    (reading ??= iterator.next().then(
      (result) => {
        reading = undefined;
        if (result.done) finished = true;
        else for (const side of [0, 1]) {
          queues[side].push(result.value);
          queuedBytes[side] += result.value.byteLength;
        }
        notify();
      },
      (reason: unknown) => {
        reading = undefined;
        abort(reason);
      },
    ));

  async function* branch(side: 0 | 1): AsyncGenerator<Uint8Array> {
    const other = 1 - side;
    let completed = false;
    try {
      for (;;) {
        if (failure) throw failure.reason;
        const chunk = queues[side].shift();
        if (chunk) {
          queuedBytes[side] -= chunk.byteLength;
          notify();
          yield chunk;
        } else if (finished) {
          completed = true;
          return;
        } else if (queuedBytes[other] >= highWaterMark) {
          await changed;
        } else {
          await readNext();
        }
      }
    } finally {
      if (!completed && !failure) abort(new ConsumerStoppedError());
    }
  }

  return { branches: [branch(0), branch(1)], abort };
}
