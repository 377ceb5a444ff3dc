import { PackError } from './errors.js';
import { ObjectType } from './object-type.js';

/** Longest valid entry header: type/size varint (10) + REF base id (20), rounded up. */
export const MAX_ENTRY_HEADER_LENGTH = 32;

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
    if (at >= end) return undefined;
    if (factor > 2 ** 46) throw new PackError('BAD_ENTRY_HEADER', 'entry size varint is too long', offset);
    byte = bytes[at++]!;
    size += (byte & 0x7f) * factor;
    factor *= 128;
  }
  switch (type) {
    case ObjectType.commit:
    case ObjectType.tree:
    case ObjectType.blob:
    case ObjectType.tag:
      return { length: at - start, type, size, baseOffset: undefined, baseIdAt: undefined };
    case ObjectType.ofsDelta: {
      if (at >= end) return undefined;
      byte = bytes[at++]!;
      let distance = byte & 0x7f;
      while (byte & 0x80) {
        if (at >= end) return undefined;
        if (distance > 2 ** 45) throw new PackError('BAD_OFS_BASE', 'OFS delta base distance is too long', offset);
        byte = bytes[at++]!;
        distance = (distance + 1) * 128 + (byte & 0x7f);
      }
      if (distance === 0 || distance > offset - 12) {
        throw new PackError('BAD_OFS_BASE', `OFS delta base lies ${distance} bytes back, before the first entry`, offset);
      }
      return { length: at - start, type, size, baseOffset: offset - distance, baseIdAt: undefined };
    }
    case ObjectType.refDelta:
      if (end - at < 20) return undefined;
      return { length: at - start + 20, type, size, baseOffset: undefined, baseIdAt: at };
    default:
      throw new PackError('BAD_OBJECT_TYPE', `invalid entry type ${type}`, offset);
  }
}
