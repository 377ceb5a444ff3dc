import { crc32 } from 'node:zlib';
import { PackError } from './errors.js';
import { entryEnd, type ObjectColumns } from './object-table.js';
import type { ReadRange } from './range-reads.js';

/** A range of the stored pack read in one request, covering entries `entries[first..last)`. */
export interface PassRange {
  offset: number;
  length: number;
  first: number;
  last: number;
}

/** What reading back has cost. */
export interface ReadBackCounts {
  /** Calls to `read`. */
  requests: number;
  /** Bytes they returned. */
  bytes: number;
  /** Sequential passes over the stored pack. */
  passes: number;
}

/**
 * Groups `entries` (ascending entry indices) into ranges of at most `readSize` bytes in pack
 * order: an entry joins the current range if the range, gap included, stays within `readSize`, so
 * only gaps that would not fit in a read are skipped. An entry larger than `readSize` is a range
 * of its own.
 */
export function planPassRanges(columns: ObjectColumns, entries: ArrayLike<number>, readSize: number): PassRange[] {
  const ranges: PassRange[] = [];
  let first = 0;
  while (first < entries.length) {
    const offset = columns.offsets[entries[first]!]!;
    let end = entryEnd(columns, entries[first]!);
    let last = first + 1;
    while (last < entries.length && entryEnd(columns, entries[last]!) - offset <= readSize) end = entryEnd(columns, entries[last++]!);
    ranges.push({ offset, length: end - offset, first, last });
    first = last;
  }
  return ranges;
}

/**
 * Reads the raw entries of one pass (header and zlib stream, checked against the CRC32 recorded
 * while they streamed in) in pack order, range by range, with the next range in flight while the
 * current one is used: at most two ranges are held at once, each in one of two buffers lent to
 * `read` in turn, so that a pass allocates them once however many ranges it reads.
 */
export class PassReader {
  readonly #read: ReadRange;
  readonly #columns: ObjectColumns;
  readonly #entries: ArrayLike<number>;
  readonly #ranges: PassRange[];
  readonly #counts: ReadBackCounts;
  #current = -1;
  #currentBytes: Uint8Array | undefined;
  #next: Promise<Uint8Array> | undefined;
  /** The buffers ranges are read into: range `r` into `#buffers[r % 2]`, which range `r - 2` has given up by then. */
  readonly #buffers: (Uint8Array | undefined)[] = [undefined, undefined];
  readonly #bufferSize: number;
  /** Position in `entries` of the next entry expected. */
  #position = 0;

  /** Counts requests and bytes into `counts`. */
  constructor(read: ReadRange, columns: ObjectColumns, entries: ArrayLike<number>, readSize: number, counts: ReadBackCounts) {
    this.#read = read;
    this.#columns = columns;
    this.#entries = entries;
    this.#ranges = planPassRanges(columns, entries, readSize);
    this.#bufferSize = Math.min(readSize, this.#ranges.reduce((longest, range) => Math.max(longest, range.length), 0));
    this.#counts = counts;
  }

  /** The raw bytes of entry `i`, which must come after the previous one asked for in the pass's entries. */
  async raw(i: number): Promise<Uint8Array> {
    const entries = this.#entries;
    while (this.#position < entries.length && entries[this.#position] !== i) this.#position++;
    if (this.#position === entries.length) throw new Error(`entry ${i} is not in this pass's reads, or was asked for out of order`);
    while (this.#current < 0 || this.#ranges[this.#current]!.last <= this.#position) await this.#advance();
    const range = this.#ranges[this.#current]!;
    const columns = this.#columns;
    const at = columns.offsets[i]! - range.offset;
    const raw = this.#currentBytes!.subarray(at, at + entryEnd(columns, i) - columns.offsets[i]!);
    if (crc32(raw) !== columns.crc32s[i]) {
      throw new PackError('READ_BACK_MISMATCH', 'entry read back from storage differs from the one received', columns.offsets[i]);
    }
    return raw;
  }

  /** Drops the range in use, waits for the next one and starts reading the one after. */
  async #advance(): Promise<void> {
    this.#currentBytes = undefined;
    const next = this.#next ?? this.#start(this.#current + 1);
    this.#current++;
    this.#next = this.#current + 1 < this.#ranges.length ? this.#start(this.#current + 1) : undefined;
    this.#currentBytes = await next;
  }

  #start(r: number): Promise<Uint8Array> {
    const { offset, length } = this.#ranges[r]!;
    this.#counts.requests++;
    // An entry larger than a read is a range of its own, read into memory of the reader's.
    const into = length <= this.#bufferSize ? (this.#buffers[r % 2] ??= new Uint8Array(this.#bufferSize)) : undefined;
    const bytes = this.#read(offset, length, into).then((bytes) => {
      this.#counts.bytes += bytes.length;
      if (bytes.length < length) {
        throw new PackError('READ_BACK_MISMATCH', `read back ${bytes.length} bytes of the stored pack, asked for ${length}`, offset);
      }
      return bytes;
    });
    // Awaited when its turn comes; until then a failure must not count as unhandled.
    bytes.catch(() => {});
    return bytes;
  }
}
