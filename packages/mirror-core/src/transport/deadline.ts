import { TransportError } from '../errors.js';

/** A running deadline: `signal` aborts with a `TIMEOUT` {@link TransportError} when it passes, or with `parent`. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Whether the deadline itself (not the parent signal) ended the work. */
  readonly expired: boolean;
  /** The `TIMEOUT` error the signal aborted with. */
  readonly error: TransportError;
  /** Stops the timer once the work is over. */
  clear(): void;
}

/**
 * Starts a deadline of `ms` milliseconds for the sync of `url`, or returns undefined when `ms` is undefined.
 * Its signal aborts every request and upload of the sync, unlike the idle `timeout`, which a server sending a few
 * bytes now and then never reaches.
 */
export function startDeadline(ms: number | undefined, url: string, parent?: AbortSignal): Deadline | undefined {
  if (ms === undefined) return undefined;
  const controller = new AbortController();
  const error = new TransportError('TIMEOUT', `${url}: the sync did not finish within its deadline of ${formatMs(ms)}`);
  const timer = setTimeout(() => controller.abort(error), ms);
  timer.unref();
  return {
    signal: parent ? AbortSignal.any([parent, controller.signal]) : controller.signal,
    get expired() {
      return controller.signal.aborted;
    },
    error,
    clear: () => clearTimeout(timer),
  };
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
