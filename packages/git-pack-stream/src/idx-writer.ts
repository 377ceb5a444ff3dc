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

/** Buckets of the counting sort in {@link sortByIds}: the first two bytes of an id. */
const BUCKETS = 1 << 16;
/** A bucket larger than this is sorted by comparison; smaller ones by insertion. */
const INSERTION_LIMIT = 32;

/**
 * Indexes `0..count-1` ordered by the 20-byte ids they point to in `ids`; equal ids keep their
 * order (pack order, as git lists an object stored twice). Ids are hashes, so a counting sort on
 * their first two bytes leaves buckets of a few entries each, sorted in place: no comparison sort
 * over the whole table and nothing allocated on the JS heap.
 */
export function sortByIds(ids: Uint8Array, count: number): Uint32Array {
  const starts = new Uint32Array(BUCKETS + 1);
  for (let i = 0; i < count; i++) starts[((ids[i * 20]! << 8) | ids[i * 20 + 1]!) + 1]!++;
  for (let b = 0; b < BUCKETS; b++) starts[b + 1]! += starts[b]!;
  const order = new Uint32Array(count);
  const fill = starts.slice(0, BUCKETS);
  for (let i = 0; i < count; i++) order[fill[(ids[i * 20]! << 8) | ids[i * 20 + 1]!]!++] = i;
  for (let b = 0; b < BUCKETS; b++) {
    const first = starts[b]!;
    const end = starts[b + 1]!;
    if (end - first > INSERTION_LIMIT) order.subarray(first, end).sort((x, y) => compareIds(ids, x * 20, ids, y * 20) || x - y);
    else if (end - first > 1) insertionSort(ids, order, first, end);
  }
  return order;
}

/** Stable insertion sort of `order[first..end)` by id. */
function insertionSort(ids: Uint8Array, order: Uint32Array, first: number, end: number): void {
  for (let k = first + 1; k < end; k++) {
    const entry = order[k]!;
    let j = k;
    while (j > first && compareIds(ids, order[j - 1]! * 20, ids, entry * 20) > 0) {
      order[j] = order[j - 1]!;
      j--;
    }
    order[j] = entry;
  }
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
