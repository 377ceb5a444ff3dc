import { TransportError } from '../errors.js';

/** A minimum transfer rate for the pack download. */
export interface MinTransferRate {
  /** Bytes per second the source must average over each window. */
  bytesPerSecond: number;
  /** Length of the window in milliseconds. */
  windowMs: number;
}

/** Default window over which {@link MinTransferRate.bytesPerSecond} is averaged: 30 s, as git's `http.lowSpeedTime`. */
export const DEFAULT_RATE_WINDOW_MS = 30_000;

/**
 * Passes `source` through, timing how long each read waits for the source, and calls `fail` with a `TIMEOUT` error
 * as soon as one window of waiting time brought fewer than `bytesPerSecond × window` bytes. Only time spent waiting
 * for the source counts, so a slow consumer (the target, through backpressure) does not make the source look slow,
 * and only from the first chunk on: a server counting and compressing objects before the pack starts (sending only
 * progress) is the deadline's business. `fail` must end the pending read (by aborting the request); the error is then
 * thrown from the stream.
 */
export async function* enforceMinTransferRate(
  source: AsyncIterable<Uint8Array>,
  rate: MinTransferRate,
  url: string,
  fail: (error: TransportError) => void,
): AsyncGenerator<Uint8Array> {
  const windowMs = rate.windowMs;
  let bytes = 0;
  let waited = 0;
  let waitingSince: number | undefined;
  let windowBytes = 0;
  let windowWaited = 0;
  let failure: TransportError | undefined;
  const check = () => {
    const now = performance.now();
    const total = waited + (waitingSince === undefined ? 0 : now - waitingSince);
    if (total - windowWaited < windowMs) return;
    const received = bytes - windowBytes;
    const perSecond = received / ((total - windowWaited) / 1000);
    if (perSecond < rate.bytesPerSecond) {
      failure = new TransportError(
        'TIMEOUT',
        `${url}: the pack arrived at ${Math.round(perSecond)} bytes/s over the last ${windowMs / 1000} s, below the minimum transfer rate of ${rate.bytesPerSecond} bytes/s`,
      );
      clearInterval(timer);
      fail(failure);
      return;
    }
    windowBytes = bytes;
    windowWaited = total;
  };
  const timer = setInterval(check, Math.max(10, Math.min(1000, windowMs / 10)));
  timer.unref();
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      waitingSince = bytes > 0 ? performance.now() : undefined;
      let result: IteratorResult<Uint8Array>;
      try {
        result = await iterator.next();
      } catch (error) {
        if (failure) throw failure;
        throw error;
      }
      if (waitingSince !== undefined) waited += performance.now() - waitingSince;
      waitingSince = undefined;
      if (failure) throw failure;
      if (result.done) return;
      bytes += result.value.byteLength;
      yield result.value;
    }
  } finally {
    clearInterval(timer);
    waitingSince = undefined;
    await iterator.return?.();
  }
}
