import { createHash } from 'node:crypto';
import { PackError } from './errors.js';
import type { IdxColumns } from './idx-writer.js';
import { compareIds, idFromHex, idToHex } from './object-id.js';

/** Where an object sits in the pack, per the index. */
export interface IdxLookup {
  offset: number;
  crc32: number;
}

/** A parsed version-2 pack index. */
export interface PackIndex {
  readonly objectCount: number;
  /** 40 hex: the trailer of the pack this index describes. */
  readonly packChecksum: string;
  /** The i-th id in ascending order, as 40 hex. */
  id(i: number): string;
  /** Pack offset of the i-th object in id order. */
  offset(i: number): number;
  /** CRC32 of the i-th object's raw entry. */
  crc32(i: number): number;
  /** Finds an object by id (40 hex or 20 bytes); undefined if absent. */
  lookup(id: string | Uint8Array): IdxLookup | undefined;
  /** All ids in ascending order. */
  ids(): string[];
  /** Every object in id order as columns: the ids are a view of the index, offsets and CRC32s are copied out. */
  columns(): IdxColumns;
}

/** Options of {@link readIdx}. */
export interface ReadIdxOptions {
  /** Bytes in the pack the index describes: every offset must then lie before its trailer. */
  packSize?: number;
}

/**
 * Parses a version-2 .idx, checking its signature, version, size and trailing checksum, and with
 * `packSize`, that every offset lies inside the pack. Throws a `BAD_IDX` {@link PackError} otherwise.
 */
export function readIdx(bytes: Uint8Array, options: ReadIdxOptions = {}): PackIndex {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (reason: string): never => {
    throw new PackError('BAD_IDX', `not a valid version-2 pack index: ${reason}`);
  };
  if (buffer.length < 8 + 1024 + 40) fail('too short');
  if (buffer.readUInt32BE(0) !== 0xff744f63) fail('bad signature (a version-1 index has none; only version 2 is read)');
  if (buffer.readUInt32BE(4) !== 2) fail(`unsupported version ${buffer.readUInt32BE(4)}`);
  const count = buffer.readUInt32BE(8 + 255 * 4);
  const idsAt = 8 + 1024;
  const crcAt = idsAt + count * 20;
  const offsetAt = crcAt + count * 4;
  const largeAt = offsetAt + count * 4;
  const largeCount = (buffer.length - 40 - largeAt) / 8;
  if (!Number.isInteger(largeCount) || largeCount < 0) fail('size does not match its object count');
  const checksum = createHash('sha1').update(buffer.subarray(0, buffer.length - 20)).digest();
  if (!checksum.equals(buffer.subarray(buffer.length - 20))) fail('checksum mismatch');

  const offset = (i: number): number => {
    const small = buffer.readUInt32BE(offsetAt + i * 4);
    if (small < 0x80000000) return small;
    const at = largeAt + (small & 0x7fffffff) * 8;
    if (at + 8 > buffer.length - 40) fail(`large offset ${small & 0x7fffffff} is out of the table`);
    return buffer.readUInt32BE(at) * 2 ** 32 + buffer.readUInt32BE(at + 4);
  };
  const { packSize } = options;
  if (packSize !== undefined) {
    for (let i = 0; i < count; i++) {
      const at = offset(i);
      if (at < 12 || at >= packSize - 20) fail(`offset ${at} of object ${i} lies outside the ${packSize}-byte pack`);
    }
  }
  const id = (i: number) => idToHex(buffer, idsAt + i * 20);
  const crc32 = (i: number) => buffer.readUInt32BE(crcAt + i * 4);

  return {
    objectCount: count,
    packChecksum: idToHex(buffer, buffer.length - 40),
    id,
    offset,
    crc32,
    lookup(wanted) {
      const key = idFromHex(wanted);
      let low = key[0] === 0 ? 0 : buffer.readUInt32BE(8 + (key[0]! - 1) * 4);
      let high = buffer.readUInt32BE(8 + key[0]! * 4);
      while (low < high) {
        const middle = (low + high) >>> 1;
        const order = compareIds(buffer, idsAt + middle * 20, key, 0);
        if (order === 0) return { offset: offset(middle), crc32: crc32(middle) };
        if (order < 0) low = middle + 1;
        else high = middle;
      }
      return undefined;
    },
    ids: () => Array.from({ length: count }, (_, i) => id(i)),
    columns() {
      const offsets = new Float64Array(count);
      const crc32s = new Uint32Array(count);
      for (let i = 0; i < count; i++) {
        offsets[i] = offset(i);
        crc32s[i] = crc32(i);
      }
      return { ids: buffer.subarray(idsAt, crcAt), offsets, crc32s };
    },
  };
}
