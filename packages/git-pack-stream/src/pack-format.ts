import { createHash } from 'node:crypto';
import { PackError } from './errors.js';

/** Bytes of a pack's header: `PACK`, the version and the object count, 4 bytes each. */
export const PACK_HEADER_LENGTH = 12;
/** Bytes of a pack's trailer: the SHA-1 of everything in front of it. */
export const PACK_TRAILER_LENGTH = 20;

const PACK_SIGNATURE = 0x5041434b;

/** What a pack's header says. */
export interface PackHeader {
  /** 2 or 3: git reads both the same way, and writes 2. */
  version: 2 | 3;
  /** Entries the pack declares. */
  objectCount: number;
}

/**
 * Reads the 12-byte header at the start of `bytes`. Throws a {@link PackError}: `TRUNCATED` if
 * `bytes` is shorter, `BAD_SIGNATURE` without `PACK`, `UNSUPPORTED_VERSION` for a version other
 * than 2 or 3.
 */
export function readPackHeader(bytes: Uint8Array): PackHeader {
  if (bytes.length < PACK_HEADER_LENGTH) throw new PackError('TRUNCATED', `pack ends early, in its header`, bytes.length);
  const view = new DataView(bytes.buffer, bytes.byteOffset, PACK_HEADER_LENGTH);
  if (view.getUint32(0) !== PACK_SIGNATURE) throw new PackError('BAD_SIGNATURE', 'not a pack: missing "PACK" signature', 0);
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw new PackError('UNSUPPORTED_VERSION', `unsupported pack version ${version}`, 4);
  return { version, objectCount: view.getUint32(8) };
}

/** The 12-byte header of a version-2 pack of `objectCount` entries, as git writes it. */
export function writePackHeader(objectCount: number): Uint8Array {
  if (!Number.isInteger(objectCount) || objectCount < 0 || objectCount > 0xffffffff) throw new RangeError(`not a pack object count: ${objectCount}`);
  const header = new Uint8Array(PACK_HEADER_LENGTH);
  const view = new DataView(header.buffer);
  view.setUint32(0, PACK_SIGNATURE);
  view.setUint32(4, 2);
  view.setUint32(8, objectCount);
  return header;
}

/**
 * The pack checksum, 40 hex, from the trailer at the end of `bytes` (the last 20 bytes of a pack,
 * or more of its end). It is not checked against the pack: {@link PackMeter} hashes a stream.
 * Throws a `TRUNCATED` {@link PackError} if `bytes` is shorter than a trailer.
 */
export function readPackTrailer(bytes: Uint8Array): string {
  if (bytes.length < PACK_TRAILER_LENGTH) throw new PackError('TRUNCATED', `pack ends early, in its trailer`, bytes.length);
  return Buffer.from(bytes.buffer, bytes.byteOffset + bytes.length - PACK_TRAILER_LENGTH, PACK_TRAILER_LENGTH).toString('hex');
}

/** A valid pack without objects, byte for byte as git writes one (`git pack-objects` given nothing): header and trailer, 32 bytes. */
export function emptyPack(): Uint8Array {
  const header = writePackHeader(0);
  const pack = new Uint8Array(PACK_HEADER_LENGTH + PACK_TRAILER_LENGTH);
  pack.set(header);
  pack.set(createHash('sha1').update(header).digest(), PACK_HEADER_LENGTH);
  return pack;
}
