import { crc32 } from 'node:zlib';
import { MAX_ENTRY_HEADER_LENGTH, parseEntryHeader, type EntryHeader } from './entry-header.js';
import { PackError } from './errors.js';
import { Inflater } from './inflater.js';
import { isDeltaType } from './object-type.js';
import { readPackHeader } from './pack-format.js';

/** One entry of a pack, as parsed from the stream. */
export interface PackEntry {
  /** Position of the entry in the pack, from 0. */
  index: number;
  /** Pack offset of the entry header. */
  offset: number;
  /** Bytes of header in front of the zlib stream, OFS distance or REF base id included. */
  headerLength: number;
  /** Entry bytes in the pack: header and zlib stream. */
  packedLength: number;
  /** Entry type: 1 commit, 2 tree, 3 blob, 4 tag, 6 OFS delta, 7 REF delta. */
  type: number;
  /** Inflated size of the entry data: the object, or the delta instructions. */
  size: number;
  /** CRC32 of the entry's raw bytes, as stored in .idx files. */
  crc32: number;
  /** OFS deltas: pack offset of the base entry. */
  baseOffset?: number;
  /** REF deltas: the 20-byte id of the base object. */
  baseId?: Uint8Array;
  /** Non-delta entries: the 20-byte object id. */
  id?: Uint8Array;
  /**
   * The inflated data: for objects up to `maxInflatedObjectSize`, for deltas up to `maxDeltaSize`
   * (larger ones only with `streamLargeDeltas`, and then without data).
   */
  data?: Uint8Array;
}

/** An entry's header fields, as {@link EntryHandlers} are shown them before its data. */
export interface EntryStart {
  offset: number;
  type: number;
  size: number;
}

/** Where an {@link EntryParser} puts what it parses. */
export interface EntryHandlers {
  /** Each entry, once its zlib stream has ended; `id` is left to the caller. */
  entry(entry: PackEntry): void;
  /** The buffer an entry of `size` bytes is inflated into: `size + 1` bytes or more, the spare one to tell the end of the stream. */
  allocate(size: number, start: EntryStart): Uint8Array;
  /** Each piece of an entry too large to be held, as it is inflated (valid during the call), before the entry itself. */
  streamed?(piece: Uint8Array, start: EntryStart): void;
}

/** Sizes above which {@link EntryParser} streams an entry by instead of holding it. */
export interface EntryLimits {
  maxInflatedObjectSize: number;
  maxDeltaSize: number;
  /** Deltas over `maxDeltaSize` are streamed by instead of refused with `OBJECT_TOO_LARGE`. */
  streamLargeDeltas: boolean;
}

const STREAM_PIECE = 64 * 1024;

interface CurrentEntry extends EntryStart {
  length: number;
  baseOffset: number | undefined;
  baseId: Uint8Array | undefined;
  /** CRC32 of the entry's bytes up to {@link CurrentEntry.crcFrom}. */
  crc32: number;
  /** Where the entry's bytes not in `crc32` yet start in the bytes being parsed, or -1 for their start. */
  crcFrom: number;
  output: Uint8Array;
  produced: number;
  /** Inflated through a reused piece of output instead of kept whole. */
  streamed: boolean;
}

/**
 * An I/O-free state machine over the body of a pack (its header and entries, not its trailer):
 * reads the header, then inflates each entry and hands it to {@link EntryHandlers.entry} as soon
 * as its zlib stream ends. Knows nothing of hashing: the pack checksum and object ids are the
 * caller's. Throws a {@link PackError} as soon as the bytes are known to be malformed.
 */
export class EntryParser {
  /** Objects the pack header declares; undefined until the header is parsed. */
  objectCount: number | undefined;
  /** Entries parsed so far. */
  entries = 0;
  /** Pack offset of the next byte to parse. */
  position = 0;
  readonly #handlers: EntryHandlers;
  readonly #limits: EntryLimits;
  readonly #inflater = new Inflater();
  readonly #streamPiece = Buffer.allocUnsafe(STREAM_PIECE);
  /** Bytes of the pack header or of an entry header that straddle pushes. */
  readonly #carry = new Uint8Array(MAX_ENTRY_HEADER_LENGTH);
  #carryLength = 0;
  #phase: 'header' | 'entryHeader' | 'entryData' | 'done' = 'header';
  #entry: CurrentEntry | undefined;

  constructor(handlers: EntryHandlers, limits: EntryLimits) {
    this.#handlers = handlers;
    this.#limits = limits;
  }

  /** Whether every declared entry has been parsed. */
  get done(): boolean {
    return this.#phase === 'done';
  }

  /** Whether the parser stands between two entries (or after the header), nothing of the next one read. */
  get atEntryStart(): boolean {
    return this.#phase === 'entryHeader' && this.#carryLength === 0;
  }

  /** Pack offset of the entry whose data is being inflated, if one is. */
  get entryOffset(): number | undefined {
    return this.#entry?.offset;
  }

  /** The part of the pack the parser is in, for messages: `header`, `entry N` or, once done, `trailer`. */
  get where(): string {
    return this.#phase === 'header' ? 'header' : this.#phase === 'done' ? 'trailer' : `entry ${this.entries}`;
  }

  /** Parses the next bytes; returns how many it took: fewer than given once the last entry has ended. */
  push(bytes: Uint8Array): number {
    let at = 0;
    while (at < bytes.length) {
      let next: number | undefined;
      switch (this.#phase) {
        case 'entryData':
          next = this.#inflateFrom(bytes, at);
          break;
        case 'entryHeader':
          next = this.#takeHeader(bytes, at, (view, start, end) => {
            const header = parseEntryHeader(view, start, end, this.position);
            if (header !== undefined) this.#startEntry(header, view, start, view !== this.#carry);
            return header?.length;
          });
          break;
        case 'header':
          next = this.#takeHeader(bytes, at, (view, start, end) => {
            if (end - start < 12) return undefined;
            this.objectCount = readPackHeader(view.subarray(start, start + 12)).objectCount;
            this.#phase = this.objectCount === 0 ? 'done' : 'entryHeader';
            return 12;
          });
          break;
        case 'done':
          return at;
      }
      if (next === undefined) return bytes.length;
      at = next;
    }
    if (this.#phase === 'entryData') this.#updateCrc(bytes, bytes.length);
    return bytes.length;
  }

  /**
   * Called once the body has ended, with the bytes that follow it (the trailer): a zlib stream is
   * seen to end only by the byte after it, so the last entry is finished here if its stream ends
   * before `after`. Nothing of `after` is parsed as an entry.
   */
  end(after: Uint8Array): void {
    if (this.#phase !== 'entryData') return;
    const entry = this.#entry!;
    if (!this.#inflater.inflate(after, 0, after.length, entry.output, entry.streamed ? 0 : entry.produced, entry.output.length)) return;
    if (this.#inflater.consumed === 0 && this.#inflater.produced === 0) this.#finishEntry(entry);
  }

  /** Releases the zlib state. */
  close(): void {
    this.#inflater.close();
  }

  /**
   * Runs `parse` on a header at `bytes[at..]`, carried bytes first if earlier pushes ended inside
   * it. `parse` returns the header's length, or undefined if it needs more bytes. Returns the
   * position after the header in `bytes`, or undefined once the rest of `bytes` was carried.
   */
  #takeHeader(bytes: Uint8Array, at: number, parse: (view: Uint8Array, start: number, end: number) => number | undefined): number | undefined {
    const carried = this.#carryLength;
    if (carried === 0) {
      const length = parse(bytes, at, bytes.length);
      if (length !== undefined) {
        this.position += length;
        return at + length;
      }
    }
    const appended = Math.min(bytes.length - at, MAX_ENTRY_HEADER_LENGTH - carried);
    this.#carry.set(bytes.subarray(at, at + appended), carried);
    this.#carryLength += appended;
    const length = carried === 0 ? undefined : parse(this.#carry, 0, this.#carryLength);
    if (length === undefined) return undefined;
    this.#carryLength = 0;
    this.position += length;
    return at + length - carried;
  }

  /** Starts the entry whose header is `bytes[start..]`, in the bytes being parsed or carried over. */
  #startEntry(header: EntryHeader, bytes: Uint8Array, start: number, inBytes: boolean): void {
    const offset = this.position;
    const delta = isDeltaType(header.type);
    const { maxDeltaSize, maxInflatedObjectSize, streamLargeDeltas } = this.#limits;
    if (delta && header.size > maxDeltaSize && !streamLargeDeltas) {
      throw new PackError('OBJECT_TOO_LARGE', `delta declares ${header.size} bytes, over the ${maxDeltaSize}-byte limit`, offset);
    }
    const whole = header.size <= (delta ? maxDeltaSize : maxInflatedObjectSize);
    const entry: CurrentEntry = {
      offset,
      type: header.type,
      size: header.size,
      length: header.length,
      baseOffset: header.baseOffset,
      baseId: header.baseIdAt === undefined ? undefined : Uint8Array.prototype.slice.call(bytes, header.baseIdAt, header.baseIdAt + 20),
      crc32: inBytes ? 0 : crc32(bytes.subarray(start, start + header.length)),
      crcFrom: inBytes ? start : -1,
      output: this.#streamPiece,
      produced: 0,
      streamed: !whole,
    };
    if (whole) entry.output = this.#handlers.allocate(header.size, entry);
    this.#entry = entry;
    this.#inflater.reset();
    this.#phase = 'entryData';
  }

  /** Inflates the current entry from `bytes[at..]`; returns where its zlib stream ended, or the end of `bytes`. */
  #inflateFrom(bytes: Uint8Array, at: number): number {
    const entry = this.#entry!;
    const inflater = this.#inflater;
    if (entry.crcFrom < 0) entry.crcFrom = at;
    for (;;) {
      const outputStart = entry.streamed ? 0 : entry.produced;
      if (!inflater.inflate(bytes, at, bytes.length, entry.output, outputStart, entry.output.length)) {
        throw new PackError('CORRUPT_ZLIB', `corrupt zlib stream: ${inflater.error}`, entry.offset);
      }
      const { consumed, produced } = inflater;
      at += consumed;
      this.position += consumed;
      entry.produced += produced;
      if (entry.produced > entry.size) {
        throw new PackError('SIZE_MISMATCH', `entry inflates to more than its declared ${entry.size} bytes`, entry.offset);
      }
      if (entry.streamed && produced > 0) this.#handlers.streamed?.(entry.output.subarray(0, produced), entry);
      if (outputStart + produced === entry.output.length) continue;
      this.#updateCrc(bytes, at);
      if (at < bytes.length) this.#finishEntry(entry);
      return at;
    }
  }

  /** Adds the current entry's bytes of `bytes` up to `end` to its CRC32. */
  #updateCrc(bytes: Uint8Array, end: number): void {
    const entry = this.#entry!;
    if (entry.crcFrom < 0) return;
    if (end > entry.crcFrom) entry.crc32 = crc32(bytes.subarray(entry.crcFrom, end), entry.crc32);
    entry.crcFrom = -1;
  }

  #finishEntry(entry: CurrentEntry): void {
    if (entry.produced !== entry.size) {
      throw new PackError('SIZE_MISMATCH', `entry inflates to ${entry.produced} bytes, declared ${entry.size}`, entry.offset);
    }
    this.#handlers.entry({
      index: this.entries,
      offset: entry.offset,
      headerLength: entry.length,
      packedLength: this.position - entry.offset,
      type: entry.type,
      size: entry.size,
      crc32: entry.crc32,
      baseOffset: entry.baseOffset,
      baseId: entry.baseId,
      id: undefined,
      data: entry.streamed ? undefined : entry.output.subarray(0, entry.size),
    });
    this.#entry = undefined;
    this.entries++;
    this.#phase = this.entries === this.objectCount ? 'done' : 'entryHeader';
  }
}
