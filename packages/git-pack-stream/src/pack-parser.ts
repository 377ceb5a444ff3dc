import { createHash, type Hash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { MAX_ENTRY_HEADER_LENGTH, parseEntryHeader, type EntryHeader } from './entry-header.js';
import { PackError } from './errors.js';
import { Inflater } from './inflater.js';
import { allocateFramedObject, hashFramedObject, startObjectHash } from './object-id.js';
import { isDeltaType } from './object-type.js';

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

/** Limits for {@link PackParser}. */
export interface PackParserOptions {
  /** Objects up to this size are handed over inflated; larger ones are hashed as they stream by. Default 16 MiB. */
  maxInflatedObjectSize?: number;
  /** Deltas declaring more inflated bytes are rejected with `OBJECT_TOO_LARGE` (see `streamLargeDeltas`). Default 128 MiB. */
  maxDeltaSize?: number;
  /**
   * Deltas over `maxDeltaSize` are inflated as they stream by (checking their zlib stream and size)
   * and handed over without data, to be read back from the stored pack, instead of refused.
   */
  streamLargeDeltas?: boolean;
  /**
   * Provides the buffer an object (after its git header, for hashing in place) or a delta is
   * inflated into. Default: a new buffer each time.
   */
  allocate?: (size: number, delta: boolean) => Buffer;
}

/** What the end of a well-formed pack tells. */
export interface PackSummary {
  objectCount: number;
  /** The 20-byte trailer: SHA-1 of everything before it. */
  checksum: Uint8Array;
  /** Bytes in the pack, trailer included. */
  size: number;
}

const PACK_SIGNATURE = 0x5041434b;
const STREAM_PIECE = 64 * 1024;

type Phase = 'header' | 'entryHeader' | 'entryData' | 'trailer' | 'done' | 'badTrailer';

interface CurrentEntry {
  offset: number;
  length: number;
  type: number;
  size: number;
  baseOffset: number | undefined;
  /** CRC32 of the entry's bytes up to {@link CurrentEntry.crcFrom}. */
  crc32: number;
  /** Where the entry's bytes not in `crc32` yet start in the chunk being parsed, or -1 for its start. */
  crcFrom: number;
  baseId?: Uint8Array;
  output: Uint8Array;
  produced: number;
  /** Inflated through a reused piece of output instead of kept whole. */
  streamed: boolean;
  objectHash?: Hash;
}

/**
 * An I/O-free push parser for a pack stream. Feed it chunks with {@link PackParser.push}, then call
 * {@link PackParser.end}; it calls `onEntry` for every entry as soon as its zlib stream ends, and
 * throws a {@link PackError} as soon as the input is known to be malformed.
 */
export class PackParser {
  /** Objects the pack header declares; undefined until the header is parsed. */
  objectCount: number | undefined;
  /** Entries parsed so far. */
  entries = 0;
  /** Bytes received so far. */
  received = 0;

  readonly #onEntry: (entry: PackEntry) => void;
  readonly #maxInflatedObjectSize: number;
  readonly #maxDeltaSize: number;
  readonly #streamLargeDeltas: boolean;
  readonly #allocate: (size: number, delta: boolean) => Buffer;
  readonly #inflater = new Inflater();
  readonly #streamPiece = Buffer.allocUnsafe(STREAM_PIECE);
  readonly #packHash = createHash('sha1');
  /** Bytes of a header, trailer or entry header that straddle chunks. */
  readonly #carry = new Uint8Array(MAX_ENTRY_HEADER_LENGTH);
  #carryLength = 0;
  /** The last 20 bytes received, to tell a trailer apart when the pack ends unexpectedly. */
  readonly #tail = new TailWindow();
  #phase: Phase = 'header';
  /** Pack offset of the next byte to consume. */
  #position = 0;
  #entry: CurrentEntry | undefined;
  #expectedTrailer: Uint8Array | undefined;
  /** The pack hash as of the start of an entry that began within 20 bytes of a chunk's end. */
  #snapshot: { offset: number; hash: Hash } | undefined;
  #lastTaken: Uint8Array = new Uint8Array(0);
  /** An error met in an entry starting 20 bytes or less before the end of what was received. */
  #deferred: { error: PackError; until: number } | undefined;
  #takenFromCarry = false;

  constructor(onEntry: (entry: PackEntry) => void, options: PackParserOptions = {}) {
    this.#onEntry = onEntry;
    this.#maxInflatedObjectSize = options.maxInflatedObjectSize ?? 16 * 1024 * 1024;
    this.#maxDeltaSize = options.maxDeltaSize ?? 128 * 1024 * 1024;
    this.#streamLargeDeltas = options.streamLargeDeltas ?? false;
    this.#allocate = options.allocate ?? ((size) => Buffer.allocUnsafe(size));
  }

  /** Parses the next chunk of the pack. */
  push(chunk: Uint8Array): void {
    const deferred = this.#deferred;
    if (deferred !== undefined) {
      this.received += chunk.length;
      if (this.received > deferred.until) throw deferred.error;
      this.#tail.push(chunk);
      return;
    }
    try {
      this.#parse(chunk);
    } catch (error) {
      // An entry that fails within the last 20 bytes may be the trailer of a pack declaring more
      // objects than it holds: wait for the end to tell which.
      const entryStart = this.#entry?.offset ?? this.#position;
      if (!(error instanceof PackError) || this.#snapshot?.offset !== entryStart || this.received > entryStart + 20) throw error;
      this.#deferred = { error, until: entryStart + 20 };
    }
  }

  #parse(chunk: Uint8Array): void {
    this.received += chunk.length;
    if (this.#phase === 'badTrailer') {
      this.#tail.push(chunk, this.#packHash);
      return;
    }
    this.#tail.push(chunk);
    let at = 0;
    let hashedTo = 0;
    const hashTo = (end: number) => {
      if (end > hashedTo) this.#packHash.update(chunk.subarray(hashedTo, end));
      hashedTo = end;
    };
    while (at < chunk.length) {
      this.#takenFromCarry = false;
      let next: number | undefined;
      switch (this.#phase) {
        case 'entryData':
          next = this.#inflateFrom(chunk, at);
          break;
        case 'entryHeader':
          if (this.#carryLength === 0 && chunk.length - at <= 20) {
            hashTo(at);
            this.#snapshot = { offset: this.#position, hash: this.#packHash.copy() };
          }
          next = this.#carryLength === 0 ? this.#takeEntryHeader(chunk, at) : undefined;
          next ??= this.#take(chunk, at, (bytes, end) => {
            const header = parseEntryHeader(bytes, 0, end, this.#position);
            if (header !== undefined) this.#startEntry(header, bytes, 0, false);
            return header?.length;
          });
          break;
        case 'header':
          next = this.#take(chunk, at, (bytes, end) => {
            if (end < 12) return undefined;
            this.#parsePackHeader(bytes);
            return 12;
          });
          break;
        case 'trailer':
          hashTo(at);
          next = this.#take(chunk, at, (bytes, end) => (end < 20 ? undefined : 20));
          hashedTo = chunk.length;
          if (next !== undefined) {
            this.#checkTrailer(this.#lastTaken, chunk.subarray(next));
            next = chunk.length;
          }
          break;
        case 'done':
          throw new PackError('JUNK_AFTER_TRAILER', 'unexpected bytes after the pack trailer', this.#position);
      }
      if (next === undefined) {
        hashTo(at);
        return;
      }
      if (this.#takenFromCarry) hashedTo = Math.max(hashedTo, next);
      at = next;
    }
    if (this.#phase === 'entryData') this.#updateCrc(chunk, chunk.length);
    hashTo(chunk.length);
  }

  /** Checks the pack ended where it should and returns its summary. */
  end(): PackSummary {
    if (this.#deferred !== undefined) {
      const { error, until } = this.#deferred;
      if (this.received === until && this.#snapshot!.hash.digest().equals(this.#tail.bytes())) throw this.#countMismatch(until - 20);
      throw error;
    }
    if (this.#phase === 'done') {
      return { objectCount: this.objectCount!, checksum: this.#expectedTrailer!, size: this.received };
    }
    if (this.#phase === 'badTrailer') {
      const tail = this.#tail.bytes();
      if (tail.length === 20 && this.#packHash.digest().equals(tail)) {
        throw new PackError('OBJECT_COUNT_MISMATCH', `pack header declares ${this.objectCount} objects, the pack holds more`);
      }
      throw new PackError('TRAILER_MISMATCH', 'pack trailer does not match the SHA-1 of the pack', this.received);
    }
    const entryStart = this.#entry?.offset ?? this.#position;
    const snapshot = this.#snapshot;
    if (
      (this.#phase === 'entryHeader' || this.#phase === 'entryData') &&
      snapshot?.offset === entryStart &&
      this.received === entryStart + 20 &&
      snapshot.hash.digest().equals(this.#tail.bytes())
    ) {
      throw this.#countMismatch(entryStart);
    }
    const where = this.#phase === 'header' ? 'header' : this.#phase === 'trailer' ? 'trailer' : `entry ${this.entries}`;
    throw new PackError('TRUNCATED', `pack ends early, in its ${where}`, this.#phase === 'entryData' ? entryStart : this.received);
  }

  /** Releases the zlib state. */
  close(): void {
    this.#inflater.close();
  }

  #countMismatch(entryStart: number): PackError {
    return new PackError('OBJECT_COUNT_MISMATCH', `pack header declares ${this.objectCount} objects, the pack holds ${this.entries}`, entryStart);
  }

  /**
   * Runs `parse` on the bytes from `chunk[at]` on, carried bytes first if a previous chunk ended
   * inside the same structure. `parse` returns how many bytes it used, or undefined if it needs more.
   * Returns the position after the used bytes, or undefined once the rest of the chunk was carried.
   * Carried-and-parsed bytes are hashed here, so callers must not hash them again.
   */
  #take(chunk: Uint8Array, at: number, parse: (bytes: Uint8Array, end: number) => number | undefined): number | undefined {
    const hashCarried = this.#phase !== 'trailer';
    if (this.#carryLength === 0) {
      const bytes = chunk.subarray(at);
      const length = parse(bytes, bytes.length);
      if (length !== undefined) {
        this.#lastTaken = bytes.subarray(0, length);
        this.#position += length;
        return at + length;
      }
    }
    const carried = this.#carryLength;
    const appended = Math.min(chunk.length - at, MAX_ENTRY_HEADER_LENGTH - carried);
    this.#carry.set(chunk.subarray(at, at + appended), carried);
    this.#carryLength += appended;
    const length = carried === 0 ? undefined : parse(this.#carry, this.#carryLength);
    if (length === undefined) return undefined;
    this.#carryLength = 0;
    this.#lastTaken = this.#carry.subarray(0, length);
    if (hashCarried) this.#packHash.update(this.#lastTaken);
    this.#takenFromCarry = true;
    this.#position += length;
    return at + length - carried;
  }

  /** Starts the entry whose header lies whole in `chunk` from `at` on; returns where it ends, or undefined. */
  #takeEntryHeader(chunk: Uint8Array, at: number): number | undefined {
    const header = parseEntryHeader(chunk, at, chunk.length, this.#position);
    if (header === undefined) return undefined;
    this.#startEntry(header, chunk, at, true);
    this.#position += header.length;
    return at + header.length;
  }

  #parsePackHeader(bytes: Uint8Array): void {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 12);
    if (view.getUint32(0) !== PACK_SIGNATURE) throw new PackError('BAD_SIGNATURE', 'not a pack: missing "PACK" signature', 0);
    const version = view.getUint32(4);
    if (version !== 2 && version !== 3) throw new PackError('UNSUPPORTED_VERSION', `unsupported pack version ${version}`, 4);
    this.objectCount = view.getUint32(8);
    this.#phase = this.objectCount === 0 ? 'trailer' : 'entryHeader';
  }

  /** Starts the entry whose header is `bytes[start..]`, in the chunk being parsed or carried over. */
  #startEntry(header: EntryHeader, bytes: Uint8Array, start: number, inChunk: boolean): void {
    const offset = this.#position;
    const delta = isDeltaType(header.type);
    if (delta && header.size > this.#maxDeltaSize && !this.#streamLargeDeltas) {
      throw new PackError('OBJECT_TOO_LARGE', `delta declares ${header.size} bytes, over the ${this.#maxDeltaSize}-byte limit`, offset);
    }
    const whole = header.size <= (delta ? this.#maxDeltaSize : this.#maxInflatedObjectSize);
    this.#entry = {
      offset,
      length: header.length,
      type: header.type,
      size: header.size,
      baseOffset: header.baseOffset,
      crc32: inChunk ? 0 : crc32(bytes.subarray(start, start + header.length)),
      crcFrom: inChunk ? start : -1,
      baseId: header.baseIdAt === undefined ? undefined : Uint8Array.prototype.slice.call(bytes, header.baseIdAt, header.baseIdAt + 20),
      output: !whole ? this.#streamPiece : delta ? this.#allocate(header.size + 1, true) : this.#framedOutput(header.type, header.size),
      produced: 0,
      streamed: !whole,
      objectHash: whole || delta ? undefined : startObjectHash(header.type, header.size),
    };
    this.#inflater.reset();
    this.#phase = 'entryData';
  }

  /** Output space for an object of `size` bytes, plus a spare byte, framed for hashing in place. */
  #framedOutput(type: number, size: number): Buffer {
    const content = allocateFramedObject(type, size, (length) => this.#allocate(length, false), 1);
    return Buffer.from(content.buffer, content.byteOffset, size + 1);
  }

  /** Inflates the current entry from `chunk[at..]`; returns where its zlib stream ended, or the chunk's end. */
  #inflateFrom(chunk: Uint8Array, at: number): number {
    const entry = this.#entry!;
    const inflater = this.#inflater;
    const streaming = entry.streamed;
    if (entry.crcFrom < 0) entry.crcFrom = at;
    for (;;) {
      const outputStart = streaming ? 0 : entry.produced;
      if (!inflater.inflate(chunk, at, chunk.length, entry.output, outputStart, entry.output.length)) {
        throw new PackError('CORRUPT_ZLIB', `corrupt zlib stream: ${inflater.error}`, entry.offset);
      }
      const { consumed, produced } = inflater;
      at += consumed;
      this.#position += consumed;
      entry.produced += produced;
      if (entry.produced > entry.size) {
        throw new PackError('SIZE_MISMATCH', `entry inflates to more than its declared ${entry.size} bytes`, entry.offset);
      }
      const outputFull = outputStart + produced === entry.output.length;
      if (produced > 0) entry.objectHash?.update(entry.output.subarray(0, produced));
      if (outputFull) continue;
      this.#updateCrc(chunk, at);
      if (at < chunk.length) this.#finishEntry(entry);
      return at;
    }
  }

  /** Adds the current entry's bytes of `chunk` up to `end` to its CRC32. */
  #updateCrc(chunk: Uint8Array, end: number): void {
    const entry = this.#entry!;
    if (entry.crcFrom < 0) return;
    if (end > entry.crcFrom) entry.crc32 = crc32(chunk.subarray(entry.crcFrom, end), entry.crc32);
    entry.crcFrom = -1;
  }

  #finishEntry(entry: CurrentEntry): void {
    if (entry.produced !== entry.size) {
      throw new PackError('SIZE_MISMATCH', `entry inflates to ${entry.produced} bytes, declared ${entry.size}`, entry.offset);
    }
    const data = entry.streamed ? undefined : entry.output.subarray(0, entry.size);
    const delta = isDeltaType(entry.type);
    this.#onEntry({
      index: this.entries,
      offset: entry.offset,
      headerLength: entry.length,
      packedLength: this.#position - entry.offset,
      type: entry.type,
      size: entry.size,
      crc32: entry.crc32,
      baseOffset: entry.baseOffset,
      baseId: entry.baseId,
      id: delta ? undefined : data ? hashFramedObject(entry.type, data) : entry.objectHash!.digest(),
      data,
    });
    this.#entry = undefined;
    this.entries++;
    this.#phase = this.entries === this.objectCount ? 'trailer' : 'entryHeader';
  }

  #checkTrailer(trailer: Uint8Array, after: Uint8Array): void {
    const expected = this.#packHash.copy().digest();
    if (expected.equals(trailer)) {
      this.#expectedTrailer = expected;
      this.#phase = 'done';
      if (after.length > 0) throw new PackError('JUNK_AFTER_TRAILER', 'unexpected bytes after the pack trailer', this.#position);
      return;
    }
    // Either a bad trailer or more entries than declared: hash on, keeping the last 20 bytes apart.
    this.#phase = 'badTrailer';
    this.#tail.reset();
    this.#tail.push(trailer);
    this.#tail.push(after, this.#packHash);
  }
}

/** Keeps the last 20 bytes of a stream; bytes falling out of the window can be fed to a hash. */
class TailWindow {
  #window = new Uint8Array(40);
  #length = 0;

  reset(): void {
    this.#length = 0;
  }

  bytes(): Uint8Array {
    return this.#window.subarray(0, this.#length);
  }

  push(chunk: Uint8Array, evictedTo?: Hash): void {
    if (chunk.length >= 20) {
      if (evictedTo) {
        evictedTo.update(this.#window.subarray(0, this.#length));
        evictedTo.update(chunk.subarray(0, chunk.length - 20));
      }
      this.#window.set(chunk.subarray(chunk.length - 20));
      this.#length = 20;
      return;
    }
    this.#window.set(chunk, this.#length);
    this.#length += chunk.length;
    if (this.#length > 20) {
      const excess = this.#length - 20;
      evictedTo?.update(this.#window.subarray(0, excess));
      this.#window.copyWithin(0, excess, this.#length);
      this.#length = 20;
    }
  }

}
