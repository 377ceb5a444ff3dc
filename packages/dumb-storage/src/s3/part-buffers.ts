/**
 * A fixed pool of part-sized buffers: at most `count` are ever allocated, and `take` waits until one is given back.
 * Reusing them keeps a streaming upload's memory flat (no garbage part buffers waiting for the collector).
 */
export class PartBuffers {
  readonly #size: number;
  readonly #count: number;
  readonly #free: Uint8Array[] = [];
  readonly #waiting: ((buffer: Uint8Array) => void)[] = [];
  #allocated = 0;

  constructor(size: number, count: number) {
    this.#size = size;
    this.#count = count;
  }

  /** A free buffer (allocated on first need), or the next one given back. */
  take(): Promise<Uint8Array> {
    const free = this.#free.pop();
    if (free) return Promise.resolve(free);
    if (this.#allocated < this.#count) {
      this.#allocated++;
      return Promise.resolve(Buffer.allocUnsafeSlow(this.#size));
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  /** Returns a buffer to the pool (to the longest waiter first). */
  give(buffer: Uint8Array): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(buffer);
    else this.#free.push(buffer);
  }
}
