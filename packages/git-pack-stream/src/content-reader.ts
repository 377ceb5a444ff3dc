import { PackError } from './errors.js';

/**
 * Random access to an object's content that is efficient when offsets mostly increase: the content
 * is produced from its start (inflated, or rebuilt by a delta) and only a window of it is kept, so
 * a read before the window restarts production from the start.
 */
export interface ContentReader {
  /** Bytes of content. */
  readonly size: number;
  /** Longest read {@link ContentReader.read} serves at once. */
  readonly maxRead: number;
  /**
   * Exactly `min(length, size - offset)` bytes from `offset` (`length` at most {@link ContentReader.maxRead}),
   * as a view valid until the next call.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases what the reader holds (zlib state, readers below it). */
  close(): void;
}

/**
 * Produces content from its start: each call writes the next bytes into `target` and says how many
 * (0 once the content has ended).
 */
export interface ContentSource {
  fill(target: Uint8Array): Promise<number>;
  close(): void;
}

/** A {@link ContentReader} over content at hand. */
export function memoryReader(content: Uint8Array): ContentReader {
  return {
    size: content.length,
    maxRead: content.length,
    read: async (offset, length) => content.subarray(offset, offset + length),
    close: () => {},
  };
}

/** Default bytes a {@link WindowedReader} keeps behind the last read, and its longest read. */
export const DEFAULT_WINDOW = 1024 * 1024;

/**
 * A {@link ContentReader} over a {@link ContentSource}, keeping between `window` and twice that of the
 * latest content; `start` opens the source again whenever a read goes back before the window.
 */
export class WindowedReader implements ContentReader {
  readonly size: number;
  readonly maxRead: number;
  /** Times the source was opened. */
  opens = 0;
  readonly #start: () => ContentSource;
  readonly #buffer: Buffer;
  #source: ContentSource | undefined;
  /** Content offset of `#buffer[0]`. */
  #at = 0;
  #filled = 0;

  constructor(size: number, start: () => ContentSource, window = DEFAULT_WINDOW) {
    this.size = size;
    this.maxRead = window;
    this.#start = start;
    this.#buffer = Buffer.allocUnsafe(Math.min(2 * window, Math.max(size, 1)));
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (length > this.maxRead) throw new RangeError(`read of ${length} bytes, over the reader's ${this.maxRead}-byte window`);
    const end = Math.min(offset + length, this.size);
    if (offset < this.#at || this.#source === undefined) this.#restart();
    const buffer = this.#buffer;
    while (this.#at + this.#filled < end) {
      if (this.#filled === buffer.length) {
        const keepFrom = Math.max(0, Math.min(offset, this.#at + this.#filled - this.maxRead) - this.#at);
        buffer.copyWithin(0, keepFrom, this.#filled);
        this.#at += keepFrom;
        this.#filled -= keepFrom;
      }
      const room = Math.min(buffer.length, this.size - this.#at) - this.#filled;
      const produced = await this.#source!.fill(buffer.subarray(this.#filled, this.#filled + room));
      if (produced === 0) {
        throw new PackError('READ_BACK_MISMATCH', `content ends after ${this.#at + this.#filled} bytes, declared ${this.size}`);
      }
      this.#filled += produced;
    }
    return buffer.subarray(offset - this.#at, end - this.#at);
  }

  close(): void {
    this.#source?.close();
    this.#source = undefined;
  }

  #restart(): void {
    this.#source?.close();
    this.#source = this.#start();
    this.opens++;
    this.#at = 0;
    this.#filled = 0;
  }
}
