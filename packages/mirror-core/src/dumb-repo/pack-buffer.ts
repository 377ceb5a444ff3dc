const BLOCK_SIZE = 1024 * 1024;

/**
 * Keeps a copy of the pack bytes as they stream by, in fixed-size blocks, while they fit in `limit` bytes. Delta
 * resolution then reads evicted bases from memory instead of ranged reads on the storage, which matters most on S3
 * where each read is a round trip. A pack larger than the limit drops the copy and reads go to the storage.
 */
export class PackBuffer {
  readonly #limit: number;
  #blocks: Uint8Array[] = [];
  #size = 0;
  #overflowed = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Whether every byte seen so far is held (false once the pack outgrew the limit). */
  get complete(): boolean {
    return !this.#overflowed;
  }

  /** Passes `source` through unchanged, copying its bytes while they fit. */
  async *record(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      if (!this.#overflowed) this.#append(chunk);
      yield chunk;
    }
  }

  /** `length` bytes at `offset`; only valid while {@link complete}. */
  read(offset: number, length: number): Uint8Array {
    if (offset < 0 || offset + length > this.#size) throw new RangeError(`pack range ${offset}+${length} is outside the ${this.#size} bytes received`);
    const first = Math.floor(offset / BLOCK_SIZE);
    const start = offset % BLOCK_SIZE;
    if (start + length <= BLOCK_SIZE) return this.#blocks[first].subarray(start, start + length);
    const result = new Uint8Array(length);
    for (let copied = 0; copied < length; ) {
      const position = offset + copied;
      const block = this.#blocks[Math.floor(position / BLOCK_SIZE)];
      const from = position % BLOCK_SIZE;
      const count = Math.min(length - copied, BLOCK_SIZE - from);
      result.set(block.subarray(from, from + count), copied);
      copied += count;
    }
    return result;
  }

  #append(chunk: Uint8Array): void {
    if (this.#size + chunk.byteLength > this.#limit) {
      this.#overflowed = true;
      this.#blocks = [];
      return;
    }
    for (let consumed = 0; consumed < chunk.byteLength; ) {
      const used = this.#size % BLOCK_SIZE;
      if (used === 0) this.#blocks.push(new Uint8Array(BLOCK_SIZE));
      const count = Math.min(chunk.byteLength - consumed, BLOCK_SIZE - used);
      this.#blocks[this.#blocks.length - 1].set(chunk.subarray(consumed, consumed + count), used);
      consumed += count;
      this.#size += count;
    }
  }
}
