import { PackError } from './errors.js';
import { ObjectType } from './object-type.js';

/**
 * Longest entry header accepted. Git reads any number of zero groups padding the size varint; the
 * pack index keeps a header's length in one byte, so headers stop at 255 bytes.
 */
export const MAX_ENTRY_HEADER_LENGTH = 255;

/** The fields in front of an entry's zlib stream. */
export interface EntryHeader {
  /** Header bytes, base reference included. */
  length: number;
  type: number;
  /** Inflated size of the entry's data (for deltas, of the delta itself). */
  size: number;
  /** Pack offset of the base of an OFS delta. */
  baseOffset: number | undefined;
  /** Index in the parsed bytes of the 20-byte base id of a REF delta. */
  baseIdAt: number | undefined;
}

/**
 * Parses the entry header at `bytes[start, end)` for an entry at pack offset `offset`.
 * Returns undefined if the header continues past `end`.
 */
export function parseEntryHeader(bytes: Uint8Array, start: number, end: number, offset: number): EntryHeader | undefined {
  let at = start;
  if (at >= end) return undefined;
  let byte = bytes[at++]!;
  const type = (byte >> 4) & 7;
  let size = byte & 15;
  let factor = 16;
  while (byte & 0x80) {
    if (at >= end) return needMore(start, end, offset);
    byte = bytes[at++]!;
    // Zero groups are padding, as git reads them; a size beyond 2^53 is not a size any pack holds.
    if (byte & 0x7f) {
      if (factor >= 2 ** 53) throw new PackError('BAD_ENTRY_HEADER', 'entry size varint is too large', offset);
      size += (byte & 0x7f) * factor;
      if (size > Number.MAX_SAFE_INTEGER) throw new PackError('BAD_ENTRY_HEADER', 'entry size varint is too large', offset);
    }
    if (factor < 2 ** 53) factor *= 128;
  }
  switch (type) {
    case ObjectType.commit:
    case ObjectType.tree:
    case ObjectType.blob:
    case ObjectType.tag:
      if (at - start > MAX_ENTRY_HEADER_LENGTH) throw tooLong(offset);
      return { length: at - start, type, size, baseOffset: undefined, baseIdAt: undefined };
    case ObjectType.ofsDelta: {
      if (at >= end) return needMore(start, end, offset);
      byte = bytes[at++]!;
      let distance = byte & 0x7f;
      while (byte & 0x80) {
        if (at >= end) return needMore(start, end, offset);
        if (distance > 2 ** 45) throw new PackError('BAD_OFS_BASE', 'OFS delta base distance is too long', offset);
        byte = bytes[at++]!;
        distance = (distance + 1) * 128 + (byte & 0x7f);
      }
      if (distance === 0 || distance > offset - 12) {
        throw new PackError('BAD_OFS_BASE', `OFS delta base lies ${distance} bytes back, before the first entry`, offset);
      }
      if (at - start > MAX_ENTRY_HEADER_LENGTH) throw tooLong(offset);
      return { length: at - start, type, size, baseOffset: offset - distance, baseIdAt: undefined };
    }
    case ObjectType.refDelta:
      if (end - at < 20) return needMore(start, end, offset);
      if (at - start + 20 > MAX_ENTRY_HEADER_LENGTH) throw tooLong(offset);
      return { length: at - start + 20, type, size, baseOffset: undefined, baseIdAt: at };
    default:
      throw new PackError('BAD_OBJECT_TYPE', `invalid entry type ${type}`, offset);
  }
}

/** Undefined (the header goes on in the next bytes), unless the header is already too long to accept. */
function needMore(start: number, end: number, offset: number): undefined {
  if (end - start >= MAX_ENTRY_HEADER_LENGTH) throw tooLong(offset);
  return undefined;
}

function tooLong(offset: number): PackError {
  return new PackError('BAD_ENTRY_HEADER', `entry header is longer than ${MAX_ENTRY_HEADER_LENGTH} bytes`, offset);
}
