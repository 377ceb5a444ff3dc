const HEADER_SIZE = 12;
const TRAILER_SIZE = 20;

/**
 * Watches a pack on its way through: counts bytes, reads the object count from the header and keeps the trailer
 * (the pack's checksum), without copying more than those few bytes; remembers the error the stream failed with.
 */
export class PackMeter {
  /** Bytes passed so far. */
  bytes = 0;
  /** The error the pack stream failed with, if it did. */
  failure?: { error: unknown };
  readonly #header = Buffer.alloc(HEADER_SIZE);
  readonly #tail = Buffer.alloc(TRAILER_SIZE);

  /** Objects announced by the pack header (0 until the header went through). */
  get objects(): number {
    return this.bytes >= HEADER_SIZE ? this.#header.readUInt32BE(8) : 0;
  }

  /** The pack's checksum in hex: its last 20 bytes, once the whole pack went through. */
  get checksum(): string {
    return this.#tail.toString('hex');
  }

  /** Passes `pack` through unchanged, measuring it; `onEnd` runs once the last byte went through. */
  async *measure(pack: AsyncIterable<Uint8Array>, onEnd?: () => void): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of pack) {
        if (this.bytes < HEADER_SIZE) this.#header.set(chunk.subarray(0, HEADER_SIZE - this.bytes), this.bytes);
        this.#keepTail(chunk);
        this.bytes += chunk.length;
        yield chunk;
      }
    } catch (error) {
      this.failure ??= { error };
      throw error;
    }
    onEnd?.();
  }

  #keepTail(chunk: Uint8Array): void {
    if (chunk.length >= TRAILER_SIZE) {
      this.#tail.set(chunk.subarray(chunk.length - TRAILER_SIZE));
      return;
    }
    this.#tail.copyWithin(0, chunk.length);
    this.#tail.set(chunk, TRAILER_SIZE - chunk.length);
  }
}
