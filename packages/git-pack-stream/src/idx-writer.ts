import { createHash } from 'node:crypto';
import { PackError } from './errors.js';
import { compareIds, idFromHex, idToHex } from './object-id.js';

/** One object as listed in an .idx file. */
export interface IdxEntry {
  /** 40-char hex or 20 raw bytes. */
  id: string | Uint8Array;
  offset: number;
  crc32: number;
}

/** Options for {@link writeIdxV2}. */
export interface IdxWriteOptions {
  /**
   * Offsets above this go to the 8-byte table, like `git index-pack --index-version=2,<limit>`.
   * Offsets of 2^31 and more always do. Default 0x7fffffff.
   */
  largeOffsetThreshold?: number;
  /**
   * Refuse an object listed twice with `DUPLICATE_OBJECT`, like `git index-pack --strict`. Without
   * it both entries are listed, the first in the pack first, as git lists them.
   */
  strict?: boolean;
}

/** Object ids, offsets and CRC32s side by side, the way the indexer keeps them. */
export interface IdxColumns {
  /** 20 bytes per object. */
  ids: Uint8Array;
  offsets: ArrayLike<number>;
  crc32s: ArrayLike<number>;
}

const IDX_SIGNATURE = [0xff, 0x74, 0x4f, 0x63];

/**
 * Writes a version-2 pack index for `entries` of the pack whose trailer is `packChecksum`
 * (40 hex or 20 bytes). The result is byte-identical to `git index-pack`'s for the same pack.
 */
export function writeIdxV2(entries: ArrayLike<IdxEntry>, packChecksum: string | Uint8Array, options: IdxWriteOptions = {}): Uint8Array {
  const count = entries.length;
  const ids = new Uint8Array(count * 20);
  const offsets = new Float64Array(count);
  const crc32s = new Uint32Array(count);
  // In pack order, so that an object listed twice comes out as git lists it.
  const byOffset = Array.from({ length: count }, (_, i) => i).sort((a, b) => entries[a]!.offset - entries[b]!.offset);
  for (let i = 0; i < count; i++) {
    const entry = entries[byOffset[i]!]!;
    ids.set(idFromHex(entry.id), i * 20);
    offsets[i] = entry.offset;
    crc32s[i] = entry.crc32;
  }
  return encodeIdxV2({ ids, offsets, crc32s }, sortByIds(ids, count), idFromHex(packChecksum), options);
}

/** Indexes `0..count-1` ordered by the 20-byte ids they point to in `ids`. */
export function sortByIds(ids: Uint8Array, count: number): Uint32Array {
  const order = new Uint32Array(count);
  const prefixes = new Uint32Array(count);
  const view = new DataView(ids.buffer, ids.byteOffset, ids.byteLength);
  for (let i = 0; i < count; i++) {
    order[i] = i;
    prefixes[i] = view.getUint32(i * 20);
  }
  return order.sort((a, b) => prefixes[a]! - prefixes[b]! || compareIds(ids, a * 20, ids, b * 20));
}

/**
 * Encodes a version-2 .idx for the objects in `columns`, listed in `order` (ascending ids).
 * With `strict`, throws a `DUPLICATE_OBJECT` {@link PackError} if two objects share an id.
 */
export function encodeIdxV2(columns: IdxColumns, order: Uint32Array, packChecksum: Uint8Array, options: IdxWriteOptions = {}): Uint8Array {
  const { ids, offsets, crc32s } = columns;
  const count = order.length;
  const threshold = Math.min(options.largeOffsetThreshold ?? 0x7fffffff, 0x7fffffff);
  let largeCount = 0;
  for (let i = 0; i < count; i++) if (offsets[i]! > threshold) largeCount++;

  const fanoutAt = 8;
  const idsAt = fanoutAt + 256 * 4;
  const crcAt = idsAt + count * 20;
  const offsetAt = crcAt + count * 4;
  const largeAt = offsetAt + count * 4;
  const checksumAt = largeAt + largeCount * 8;
  const idx = Buffer.alloc(checksumAt + 40);
  idx.set(IDX_SIGNATURE, 0);
  idx.writeUInt32BE(2, 4);

  let large = 0;
  let previous = -1;
  for (let k = 0; k < count; k++) {
    const i = order[k]!;
    if (options.strict && previous >= 0 && compareIds(ids, previous * 20, ids, i * 20) === 0) {
      throw new PackError('DUPLICATE_OBJECT', `object ${idToHex(ids, i * 20)} appears twice in the pack`, offsets[i]);
    }
    previous = i;
    for (let b = 0; b < 20; b++) idx[idsAt + k * 20 + b] = ids[i * 20 + b]!;
    idx.writeUInt32BE(crc32s[i]!, crcAt + k * 4);
    const offset = offsets[i]!;
    if (offset > threshold) {
      idx.writeUInt32BE((0x80000000 | large) >>> 0, offsetAt + k * 4);
      idx.writeUInt32BE(Math.floor(offset / 2 ** 32), largeAt + large * 8);
      idx.writeUInt32BE(offset >>> 0, largeAt + large * 8 + 4);
      large++;
    } else {
      idx.writeUInt32BE(offset, offsetAt + k * 4);
    }
  }
  let k = 0;
  for (let byte = 0; byte < 256; byte++) {
    while (k < count && ids[order[k]! * 20]! <= byte) k++;
    idx.writeUInt32BE(k, fanoutAt + byte * 4);
  }
  idx.set(packChecksum, checksumAt);
  createHash('sha1').update(idx.subarray(0, checksumAt + 20)).digest().copy(idx, checksumAt + 20);
  return idx;
}
