import { createHash, hash, type Hash } from 'node:crypto';
import { objectTypeName } from './object-type.js';

/** Starts the SHA-1 of a git object: `"<type> <size>\0"`, to be followed by the content. */
export function startObjectHash(type: number, size: number): Hash {
  return createHash('sha1').update(objectHeader(type, size), 'latin1');
}

/** The 20-byte id of a git object of entry type `type` (1-4) with the given content. */
export function hashObject(type: number, content: Uint8Array): Buffer {
  return startObjectHash(type, content.length).update(content).digest();
}

/** `"<type> <size>\0"`, the header git hashes in front of an object's content. */
function objectHeader(type: number, size: number): string {
  return `${objectTypeName(type)} ${size}\0`;
}

/**
 * Allocates `extra` bytes more than a framed object of `size` bytes needs: its header, then its
 * content. Returns the content view; {@link hashFramedObject} then hashes without copying.
 */
export function allocateFramedObject(type: number, size: number, allocate: (length: number) => Buffer, extra = 0): Buffer {
  const header = objectHeader(type, size);
  const frame = allocate(header.length + size + extra);
  frame.write(header, 0, 'latin1');
  return frame.subarray(header.length, header.length + size);
}

/** The id of an object whose content was allocated by {@link allocateFramedObject} (header in front of it). */
export function hashFramedObject(type: number, content: Uint8Array): Buffer {
  return hash('sha1', framed(type, content), 'buffer');
}

/**
 * Writes the id of an object allocated by {@link allocateFramedObject} to `target[offset..offset + 20)`. Cheaper
 * than {@link hashFramedObject}: a short string instead of a new buffer per object.
 */
export function writeFramedObjectId(type: number, content: Uint8Array, target: Buffer, offset: number): void {
  target.write(hash('sha1', framed(type, content), 'binary'), offset, 20, 'latin1');
}

/** The header and content of a framed object, as one view. */
function framed(type: number, content: Uint8Array): Uint8Array {
  const headerLength = objectTypeName(type)!.length + decimalDigits(content.length) + 2;
  return new Uint8Array(content.buffer, content.byteOffset - headerLength, headerLength + content.length);
}

function decimalDigits(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/** 40-char lowercase hex of 20 id bytes starting at `offset`. */
export function idToHex(bytes: Uint8Array, offset = 0): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + offset, 20).toString('hex');
}

/** Parses a 40-char hex id; accepts 20 raw bytes as they are. */
export function idFromHex(id: string | Uint8Array): Uint8Array {
  if (typeof id !== 'string') return id;
  if (!/^[0-9a-f]{40}$/i.test(id)) throw new TypeError(`not a 40-character hex object id: ${id}`);
  return Buffer.from(id, 'hex');
}

/** Compares 20-byte ids `a[aOffset..]` and `b[bOffset..]` like `memcmp`. */
export function compareIds(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): number {
  for (let i = 0; i < 20; i++) {
    const d = a[aOffset + i]! - b[bOffset + i]!;
    if (d !== 0) return d;
  }
  return 0;
}
