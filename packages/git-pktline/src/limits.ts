import { PktLineError } from './errors.js';
import type { PktLineReader } from './reader.js';
import type { TextLine } from './text-lines.js';

/** Bounds on what a ref listing (v0/v1 advertisement, v2 capabilities, `ls-refs` output) may make a client hold. */
export interface ListingLimits {
  /**
   * Most refs (plus `shallow` lines) accepted. Default {@link DEFAULT_MAX_REFS}. A parsed ref costs about 220 bytes of
   * heap (measured with 40-character names, 87-byte lines), most of it per object rather than per byte of text, so
   * this limit is what bounds memory for ordinary names; `maxBytes` bounds it for long ones.
   */
  maxRefs?: number;
  /** Most bytes of pkt-lines read for the listing, framing included. Default {@link DEFAULT_MAX_LISTING_BYTES}. */
  maxBytes?: number;
}

/**
 * Default {@link ListingLimits.maxRefs}: 2,000,000, twice the ~1M refs of the largest forge repositories (Gerrit's
 * `refs/changes/*`): about 440 MB of parsed refs at the limit.
 */
export const DEFAULT_MAX_REFS = 2_000_000;

/** Default {@link ListingLimits.maxBytes}: 256 MiB, room for 2M ref lines of ~130 bytes each. */
export const DEFAULT_MAX_LISTING_BYTES = 256 * 1024 * 1024;

/**
 * Counts a listing's lines and bytes as they are read and throws `LIMIT_EXCEEDED` on the first line past a limit,
 * so an endless or oversized listing fails after at most one pkt-line beyond `maxBytes`.
 */
export class ListingMeter {
  readonly #reader: PktLineReader;
  readonly #section: string;
  readonly #start: number;
  readonly #maxRefs: number;
  readonly #maxBytes: number;
  #refs = 0;

  constructor(reader: PktLineReader, section: string, limits: ListingLimits = {}) {
    this.#reader = reader;
    this.#section = section;
    this.#start = reader.offset;
    this.#maxRefs = limits.maxRefs ?? DEFAULT_MAX_REFS;
    this.#maxBytes = limits.maxBytes ?? DEFAULT_MAX_LISTING_BYTES;
  }

  /** Checks the bytes read so far; call after every line. */
  line(line: TextLine): void {
    const bytes = this.#reader.offset - this.#start;
    if (bytes > this.#maxBytes) {
      throw new PktLineError('LIMIT_EXCEEDED', `${this.#section} exceeds the limit of ${this.#maxBytes} bytes`, line.offset);
    }
  }

  /** Counts one ref (or `shallow` line). */
  ref(line: TextLine): void {
    if (++this.#refs > this.#maxRefs) {
      throw new PktLineError('LIMIT_EXCEEDED', `${this.#section} lists more than the limit of ${this.#maxRefs} refs`, line.offset);
    }
  }
}
