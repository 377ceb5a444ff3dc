import { indexOfSorted } from './sorted-search.js';

/** Marks a delta whose base is not known yet (a REF delta whose base id was not found so far). */
export const UNKNOWN_BASE = -1;
/** Marks a non-delta object in {@link ObjectTable.bases}. */
export const NO_BASE = -2;

/** The columns of an {@link ObjectTable}, in shared memory so that resolver workers can use them. */
export interface ObjectColumns {
  count: number;
  /** Pack offset of each entry. */
  offsets: Float64Array;
  /** Inflated size of each entry's data: the object, or the delta instructions. */
  sizes: Float64Array;
  crc32s: Uint32Array;
  /** 20 bytes per object, zeros until known. */
  ids: Uint8Array;
  /** Object type (1-4) once known, 0 for a delta not resolved yet. */
  types: Uint8Array;
  /** Bytes of entry header in front of the zlib stream. */
  headerLengths: Uint8Array;
  /** Entry index of a delta's base, {@link UNKNOWN_BASE} or {@link NO_BASE}. */
  bases: Int32Array;
  /** Byte length of the pack without its trailer: where the last entry ends. */
  entriesEnd: number;
}

/**
 * Per-object metadata of a pack in typed arrays (46 bytes an object), growing as entries arrive.
 * Columns live in SharedArrayBuffers so workers can read them and record results without copies.
 */
export class ObjectTable implements ObjectColumns {
  count = 0;
  offsets: Float64Array;
  sizes: Float64Array;
  crc32s: Uint32Array;
  ids: Uint8Array;
  types: Uint8Array;
  headerLengths: Uint8Array;
  bases: Int32Array;
  entriesEnd = 0;
  #limit = Number.POSITIVE_INFINITY;

  constructor(capacity = 1024) {
    capacity = Math.max(capacity, 1);
    this.offsets = new Float64Array(new SharedArrayBuffer(capacity * 8));
    this.sizes = new Float64Array(new SharedArrayBuffer(capacity * 8));
    this.crc32s = new Uint32Array(new SharedArrayBuffer(capacity * 4));
    this.ids = new Uint8Array(new SharedArrayBuffer(capacity * 20));
    this.types = new Uint8Array(new SharedArrayBuffer(capacity));
    this.headerLengths = new Uint8Array(new SharedArrayBuffer(capacity));
    this.bases = new Int32Array(new SharedArrayBuffer(capacity * 4));
  }

  /**
   * Makes room for `capacity` entries in all, so that a pack of known size is added without regrowing. `limit`, the
   * object count the pack declares, caps all growth from then on: the columns double as entries arrive but never make
   * room past it (46 bytes an entry that cannot come), and an entry past it is refused.
   */
  reserve(capacity: number, limit = Number.POSITIVE_INFINITY): void {
    this.#limit = Math.max(limit, this.count);
    if (capacity > this.offsets.length) this.#grow(Math.min(capacity, this.#limit));
  }

  /**
   * Appends an entry and returns its index.
   * @throws RangeError past the `limit` given to {@link reserve}.
   */
  add(offset: number, headerLength: number, size: number, crc32: number): number {
    if (this.count >= this.#limit) throw new RangeError(`the object table is limited to ${this.#limit} entries`);
    if (this.count === this.offsets.length) this.#grow(Math.min(this.offsets.length * 2, this.#limit));
    const i = this.count++;
    this.offsets[i] = offset;
    this.headerLengths[i] = headerLength;
    this.sizes[i] = size;
    this.crc32s[i] = crc32;
    this.bases[i] = NO_BASE;
    return i;
  }

  /** Records the type and id of entry `i`. */
  resolve(i: number, type: number, id: Uint8Array): void {
    this.ids.set(id, i * 20);
    this.types[i] = type;
  }

  /** Index of the entry at pack offset `offset`, or -1. */
  indexOfOffset(offset: number): number {
    return indexOfSorted(this.offsets, offset, this.count);
  }

  /** The columns, trimmed to the entries added, for sharing with workers. */
  columns(): ObjectColumns {
    const { count, entriesEnd } = this;
    return {
      count,
      entriesEnd,
      offsets: this.offsets.subarray(0, count),
      sizes: this.sizes.subarray(0, count),
      crc32s: this.crc32s.subarray(0, count),
      ids: this.ids.subarray(0, count * 20),
      types: this.types.subarray(0, count),
      headerLengths: this.headerLengths.subarray(0, count),
      bases: this.bases.subarray(0, count),
    };
  }

  #grow(capacity: number): void {
    const grown = <T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(column: T, width: number): T => {
      const Type = column.constructor as new (buffer: SharedArrayBuffer) => T;
      const next = new Type(new SharedArrayBuffer(capacity * width * column.BYTES_PER_ELEMENT));
      next.set(column as never);
      return next;
    };
    this.offsets = grown(this.offsets, 1);
    this.sizes = grown(this.sizes, 1);
    this.crc32s = grown(this.crc32s, 1);
    this.ids = grown(this.ids, 20);
    this.types = grown(this.types, 1);
    this.headerLengths = grown(this.headerLengths, 1);
    this.bases = grown(this.bases, 1);
  }
}

/** Pack offset where entry `i`'s bytes end. */
export function entryEnd(columns: ObjectColumns, i: number): number {
  return i + 1 < columns.count ? columns.offsets[i + 1]! : columns.entriesEnd;
}
