import { AbortedError } from './errors.js';
import { MIN_REPOSITORY_BUDGET } from './memory-plan.js';

interface Waiter {
  grant(bytes: number): void;
}

/**
 * The memory budget shared by the repositories in flight. Each repository is granted a share when it starts and keeps
 * it until it ends: what is free divided by the repositories asking at that moment, never less than
 * {@link MIN_REPOSITORY_BUDGET} (a repository waits for that much rather than start with less). Requests made in the
 * same turn of the event loop are served together, so repositories that start at once split the budget evenly and
 * a lone one gets all of it.
 */
export class MemoryPool {
  readonly #floor: number;
  #free: number;
  readonly #waiting: Waiter[] = [];
  #scheduled = false;

  constructor(total: number) {
    this.#free = Math.max(0, Math.floor(total));
    this.#floor = Math.min(MIN_REPOSITORY_BUDGET, this.#free);
  }

  /** Waits for a share; give it back with {@link release}. Rejects with an `AbortedError` once `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) return Promise.reject(new AbortedError(undefined, { cause: signal.reason }));
    return new Promise<number>((resolve, reject) => {
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
        reject(new AbortedError(undefined, { cause: signal?.reason }));
      };
      const waiter: Waiter = {
        grant: (bytes) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(bytes);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => {
          this.#scheduled = false;
          this.#serve();
        });
      }
    });
  }

  /** Returns a share granted by {@link acquire}. */
  release(bytes: number): void {
    this.#free += bytes;
    this.#serve();
  }

  #serve(): void {
    while (this.#waiting.length > 0) {
      const share = Math.max(this.#floor, Math.floor(this.#free / this.#waiting.length));
      if (share > this.#free) return;
      this.#free -= share;
      this.#waiting.shift()!.grant(share);
    }
  }
}
