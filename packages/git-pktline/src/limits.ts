import { PktLineError } from './errors.js';
import type { PktLineReader } from './reader.js';
import type { TextLine } from './text-lines.js';

/** Bounds on what a ref listing (v0/v1 advertisement, v2 capabilities, `ls-refs` output) may make a client hold. */
export interface ListingLimits {
  /**
   * Most refs (plus `shallow` lines) accepted. Default {@link DEFAULT_MAX_REFS}. A parsed ref costs
   * {@link PARSED_REF_OVERHEAD} bytes of heap plus the length of its pkt-line (219 bytes with 40-character names), so
   * this limit is what bounds memory for ordinary names; `maxBytes` bounds it for long ones.
   */
  maxRefs?: number;
  /** Most bytes of pkt-lines read for the listing, framing included. Default {@link DEFAULT_MAX_LISTING_BYTES}. */
  maxBytes?: number;
}

/**
 * Default {@link ListingLimits.maxRefs} of the parsers: 2,000,000, twice the ~1M refs of the largest forge
 * repositories (Gerrit's `refs/changes/*`): about 440 MB of parsed refs at the limit. A client that knows how much
 * memory it may spend derives smaller limits with {@link listingLimitsFor}.
 */
export const DEFAULT_MAX_REFS = 2_000_000;

/** Default {@link ListingLimits.maxBytes} of the parsers: 256 MiB, room for 2M ref lines of ~130 bytes each. */
export const DEFAULT_MAX_LISTING_BYTES = 256 * 1024 * 1024;

/**
 * Heap a parsed ref costs beyond the bytes of its pkt-line: 133 bytes. Measured with Node 20 on x64 (`heapUsed` after
 * a full GC, 100,000 to 200,000 refs parsed from v0 advertisements and `ls-refs` output and kept): 195, 219, 275 and
 * 475 bytes per ref for names of 20, 40, 100 and 300 characters, that is 129 to 133 bytes plus the pkt-line's length.
 */
export const PARSED_REF_OVERHEAD = 133;

/** Bytes of an ordinary ref's pkt-line: 4 of length, a 40-digit id, a space, a 40-character name, a line feed. */
export const TYPICAL_REF_LINE = 86;

/**
 * The fewest refs {@link listingLimitsFor} allows however little memory it is given: 100,000 (about 22 MB parsed),
 * more than all but the largest repositories list.
 */
export const MIN_DERIVED_REFS = 100_000;

/**
 * Limits under which a listing's parsed refs take at most about `memory` bytes of heap: `maxRefs` refs of
 * {@link TYPICAL_REF_LINE} bytes fill it, and `maxBytes` is their pkt-lines' length, so that refs ×
 * {@link PARSED_REF_OVERHEAD} + bytes stays within `memory` whichever limit is reached first. Never below
 * {@link MIN_DERIVED_REFS} refs (and their bytes), so a small `memory` is exceeded by up to 22 MB rather than refuse an
 * ordinary repository.
 */
export function listingLimitsFor(memory: number): Required<ListingLimits> {
  const maxRefs = Math.max(MIN_DERIVED_REFS, Math.floor(memory / (PARSED_REF_OVERHEAD + TYPICAL_REF_LINE)));
  return { maxRefs, maxBytes: maxRefs * TYPICAL_REF_LINE };
}

/** The `LIMIT_EXCEEDED` error of a listing past its {@link ListingLimits}: `limit` names the one reached. */
export class ListingLimitError extends PktLineError {
  readonly limit: keyof ListingLimits;
  /** The limit's value. */
  readonly value: number;

  constructor(limit: keyof ListingLimits, value: number, message: string, offset: number) {
    super('LIMIT_EXCEEDED', message, offset);
    this.limit = limit;
    this.value = value;
  }
}

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

  /** Checks the bytes read so far; call after every line. @throws ListingLimitError past `maxBytes`. */
  line(line: TextLine): void {
    const bytes = this.#reader.offset - this.#start;
    if (bytes > this.#maxBytes) {
      throw new ListingLimitError('maxBytes', this.#maxBytes, `${this.#section} exceeds the limit of ${this.#maxBytes} bytes`, line.offset);
    }
  }

  /** Counts one ref (or `shallow` line). @throws ListingLimitError past `maxRefs`. */
  ref(line: TextLine): void {
    if (++this.#refs > this.#maxRefs) {
      throw new ListingLimitError('maxRefs', this.#maxRefs, `${this.#section} lists more than the limit of ${this.#maxRefs} refs`, line.offset);
    }
  }
}
