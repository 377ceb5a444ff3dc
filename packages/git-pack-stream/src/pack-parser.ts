import type { Hash } from 'node:crypto';
import { EntryParser, type EntryStart, type PackEntry } from './entry-parser.js';
import { PackError } from './errors.js';
import { allocateFramedObject, hashFramedObject, startObjectHash } from './object-id.js';
import { isDeltaType } from './object-type.js';
import { PackChecksum } from './pack-checksum.js';

export type { PackEntry } from './entry-parser.js';

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

/**
 * An I/O-free push parser for a pack stream. Feed it chunks with {@link PackParser.push}, then call
 * {@link PackParser.end}; it calls `onEntry` for every entry as soon as its zlib stream ends, and
 * throws a {@link PackError} as soon as the input is known to be malformed.
 *
 * Two stages: the pack checksum hashes the stream as it passes, holding back its last 20 bytes
 * for the trailer, and hands the rest to the entry parser, which yields entries; ids of objects
 * are added on the way out.
 */
export class PackParser {
  readonly #checksum = new PackChecksum();
  readonly #entries: EntryParser;
  readonly #consume = (bytes: Uint8Array) => this.#entries.push(bytes);
  /** The id of the object being streamed by, too large to be held. */
  #streamedId: Hash | undefined;

  constructor(onEntry: (entry: PackEntry) => void, options: PackParserOptions = {}) {
    const allocate = options.allocate ?? ((size) => Buffer.allocUnsafe(size));
    this.#entries = new EntryParser(
      {
        allocate: (size, start) => (isDeltaType(start.type) ? allocate(size + 1, true) : framedOutput(start, allocate)),
        streamed: (piece, start) => {
          if (!isDeltaType(start.type)) (this.#streamedId ??= startObjectHash(start.type, start.size)).update(piece);
        },
        entry: (entry) => {
          if (!isDeltaType(entry.type)) {
            entry.id = entry.data ? hashFramedObject(entry.type, entry.data) : (this.#streamedId ?? startObjectHash(entry.type, entry.size)).digest();
            this.#streamedId = undefined;
          }
          onEntry(entry);
        },
      },
      {
        maxInflatedObjectSize: options.maxInflatedObjectSize ?? 16 * 1024 * 1024,
        maxDeltaSize: options.maxDeltaSize ?? 128 * 1024 * 1024,
        streamLargeDeltas: options.streamLargeDeltas ?? false,
      },
    );
  }

  /** Objects the pack header declares; undefined until the header is parsed. */
  get objectCount(): number | undefined {
    return this.#entries.objectCount;
  }

  /** Entries parsed so far. */
  get entries(): number {
    return this.#entries.entries;
  }

  /** Bytes received so far. */
  get received(): number {
    return this.#checksum.received;
  }

  /** Parses the next chunk of the pack. */
  push(chunk: Uint8Array): void {
    this.#checksum.push(chunk, this.#consume);
  }

  /** Checks the pack ended where it should and returns its summary. */
  end(): PackSummary {
    const ending = this.#checksum.end();
    const entries = this.#entries;
    const received = this.received;
    let trailer = ending.trailer;
    if (ending.extra === 0) {
      if (ending.valid) entries.end(trailer);
      // Without a valid trailer, what was held back may be the end of the body: its errors come first, as git's do.
      else trailer = trailer.subarray(entries.push(trailer));
    }
    if (entries.done) {
      if (ending.extra > 0) {
        if (ending.valid) throw new PackError('OBJECT_COUNT_MISMATCH', `pack header declares ${entries.objectCount} objects, the pack holds more`);
        throw trailerMismatch(received);
      }
      if (ending.valid) return { objectCount: entries.objectCount!, checksum: ending.trailer, size: received };
      if (trailer.length === 20) throw trailerMismatch(received);
    } else if (ending.valid && entries.atEntryStart) {
      throw new PackError('OBJECT_COUNT_MISMATCH', `pack header declares ${entries.objectCount} objects, the pack holds ${entries.entries}`, entries.position);
    }
    throw new PackError('TRUNCATED', `pack ends early, in its ${entries.where}`, entries.entryOffset ?? received);
  }

  /** Releases the zlib state. */
  close(): void {
    this.#entries.close();
  }
}

function trailerMismatch(received: number): PackError {
  return new PackError('TRAILER_MISMATCH', 'pack trailer does not match the SHA-1 of the pack', received);
}

/** Output space for an object, plus a spare byte, framed for hashing in place. */
function framedOutput(start: EntryStart, allocate: (size: number, delta: boolean) => Buffer): Buffer {
  const content = allocateFramedObject(start.type, start.size, (length) => allocate(length, false), 1);
  return Buffer.from(content.buffer, content.byteOffset, start.size + 1);
}
