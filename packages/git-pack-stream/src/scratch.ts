/** A reusable buffer for data needed only until the next use, grown on demand. */
export class Scratch {
  #buffer = Buffer.allocUnsafe(64 * 1024);

  /** A view of `size` bytes, overwritten by the next call. */
  get(size: number): Buffer {
    if (size > this.#buffer.length) this.#buffer = Buffer.allocUnsafe(Math.max(size, this.#buffer.length * 2));
    return this.#buffer.subarray(0, size);
  }
}
