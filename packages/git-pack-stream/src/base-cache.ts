/**
 * A least-recently-used cache of inflated objects keyed by entry index, bounded in bytes.
 * Objects larger than the whole capacity are not kept.
 */
export class BaseCache {
  /** Most bytes held at any time. */
  peakBytes = 0;
  #bytes = 0;
  readonly #capacity: number;
  readonly #entries = new Map<number, Uint8Array>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get(index: number): Uint8Array | undefined {
    const data = this.#entries.get(index);
    if (data !== undefined) {
      this.#entries.delete(index);
      this.#entries.set(index, data);
    }
    return data;
  }

  set(index: number, data: Uint8Array): void {
    if (data.length > this.#capacity) return;
    const previous = this.#entries.get(index);
    if (previous !== undefined) {
      this.#bytes -= previous.length;
      this.#entries.delete(index);
    }
    this.#bytes += data.length;
    this.#entries.set(index, data);
    if (this.#bytes > this.#capacity) this.#evict();
    if (this.#bytes > this.peakBytes) this.peakBytes = this.#bytes;
  }

  #evict(): void {
    for (const [index, data] of this.#entries) {
      if (this.#bytes <= this.#capacity) return;
      this.#entries.delete(index);
      this.#bytes -= data.length;
    }
  }
}
