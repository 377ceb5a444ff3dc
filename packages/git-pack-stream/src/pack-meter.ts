import { iterateBytes, type ByteSource } from './byte-source.js';
import { PackError } from './errors.js';
import { PackChecksum } from './pack-checksum.js';
import { PACK_HEADER_LENGTH, PACK_TRAILER_LENGTH, readPackHeader } from './pack-format.js';

/** Options of {@link PackMeter}. */
export interface PackMeterOptions {
  /** Hashes the pack as it passes and fails the stream with `TRAILER_MISMATCH` if its trailer is not the SHA-1 of the rest. */
  verify?: boolean;
}

const takeAll = (bytes: Uint8Array) => bytes.length;

/**
 * Watches a pack stream on its way through without indexing it, for a push that forwards a pack:
 * counts its bytes, reads the object count from its header (failing the stream with a
 * {@link PackError} for a header that is not a pack's) and keeps its trailer, the pack's checksum,
 * copying no more than those few bytes. With `verify`, also checks the trailer. Remembers the
 * error the stream failed with.
 *
 * @example
 * const meter = new PackMeter();
 * await target.push({ pack: meter.measure(source) });
 * console.log(`pack-${meter.checksum}.pack`, meter.objects, meter.bytes);
 */
export class PackMeter {
  /** Bytes passed so far. */
  bytes = 0;
  /** The error the pack stream failed with, if it did. */
  failure?: { error: unknown };
  #objects = 0;
  readonly #header = new Uint8Array(PACK_HEADER_LENGTH);
  readonly #tail = new Uint8Array(PACK_TRAILER_LENGTH);
  #tailLength = 0;
  readonly #checksum: PackChecksum | undefined;

  constructor(options: PackMeterOptions = {}) {
    this.#checksum = options.verify ? new PackChecksum() : undefined;
  }

  /** Objects the pack header declares (0 until the header went through). */
  get objects(): number {
    return this.#objects;
  }

  /** The pack's checksum in hex, its last 20 bytes, once the whole pack went through ('' before). */
  get checksum(): string {
    return this.#tailLength < PACK_TRAILER_LENGTH ? '' : Buffer.from(this.#tail).toString('hex');
  }

  /** Passes `pack` through unchanged, measuring it; `onEnd` runs once the last byte went through and was found sound. */
  async *measure(pack: ByteSource, onEnd?: () => void): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of iterateBytes(pack)) {
        this.#see(chunk);
        yield chunk;
      }
      this.#end();
    } catch (error) {
      this.failure ??= { error };
      throw error;
    }
    onEnd?.();
  }

  #see(chunk: Uint8Array): void {
    if (this.bytes < PACK_HEADER_LENGTH) {
      this.#header.set(chunk.subarray(0, PACK_HEADER_LENGTH - this.bytes), this.bytes);
      if (this.bytes + chunk.length >= PACK_HEADER_LENGTH) this.#objects = readPackHeader(this.#header).objectCount;
    }
    this.bytes += chunk.length;
    this.#checksum?.push(chunk, takeAll);
    this.#keepTail(chunk);
  }

  #keepTail(chunk: Uint8Array): void {
    if (chunk.length >= PACK_TRAILER_LENGTH) {
      this.#tail.set(chunk.subarray(chunk.length - PACK_TRAILER_LENGTH));
      this.#tailLength = PACK_TRAILER_LENGTH;
      return;
    }
    this.#tail.copyWithin(0, chunk.length);
    this.#tail.set(chunk, PACK_TRAILER_LENGTH - chunk.length);
    this.#tailLength = Math.min(PACK_TRAILER_LENGTH, this.#tailLength + chunk.length);
  }

  #end(): void {
    if (this.bytes < PACK_HEADER_LENGTH + PACK_TRAILER_LENGTH) {
      throw new PackError('TRUNCATED', `pack ends early, after ${this.bytes} bytes`, this.bytes);
    }
    if (this.#checksum !== undefined && !this.#checksum.end().valid) {
      throw new PackError('TRAILER_MISMATCH', 'pack trailer does not match the SHA-1 of the pack', this.bytes);
    }
  }
}
