import { createHash, type Hash } from 'node:crypto';
import { PackError } from './errors.js';
import { PACK_HEADER_LENGTH, PACK_TRAILER_LENGTH } from './pack-format.js';

/** How a pack stream ended, as {@link PackChecksum.end} tells it. */
export interface PackEnding {
  /** The last 20 bytes of the stream (all of it if shorter): the trailer, if the pack is whole. */
  trailer: Uint8Array;
  /** Whether `trailer` is 20 bytes and the SHA-1 of every byte in front of it. */
  valid: boolean;
  /** Bytes between the end of the body (when the consumer took fewer than it was given) and the trailer; 0 if none. */
  extra: number;
}

/**
 * Hashes a pack stream as it passes through, holding back its last 20 bytes: once the stream has
 * ended they are its trailer, to compare with the SHA-1 of everything before. The consumer of the
 * bytes passed on (the entry parser) tells how many it took: when it takes fewer, its body has
 * ended there, and the 20 bytes that follow are checked as a trailer at once, so that a valid pack
 * followed by junk fails as `JUNK_AFTER_TRAILER` rather than as a bad trailer.
 */
export class PackChecksum {
  /** Bytes received. */
  received = 0;
  /** Bytes passed on. */
  passed = 0;
  readonly #hash: Hash = createHash('sha1');
  /** The bytes held back: the last ones received, at most 20, never those of the header. */
  readonly #held = new Uint8Array(PACK_TRAILER_LENGTH);
  #heldLength = 0;
  /** Where the consumer's body ended, and the SHA-1 up to there, once it took fewer bytes than given. */
  #bodyEnd: { offset: number; digest: Buffer } | undefined;
  /** The bytes after the body's end, up to 20: the trailer it should have been followed by. */
  readonly #early = new Uint8Array(PACK_TRAILER_LENGTH);
  #earlyLength = 0;

  /**
   * Takes the next chunk of the stream and passes on, through `consume`, the bytes that cannot be
   * part of the trailer, hashing them. `consume` returns how many bytes of its argument it took;
   * once it takes fewer, it is not called again. Throws `JUNK_AFTER_TRAILER` as soon as a trailer
   * right after the body is followed by more bytes.
   */
  push(chunk: Uint8Array, consume: (bytes: Uint8Array) => number): void {
    this.received += chunk.length;
    const hold = Math.min(PACK_TRAILER_LENGTH, Math.max(0, this.received - PACK_HEADER_LENGTH));
    const release = this.#heldLength + chunk.length - hold;
    if (release <= 0) {
      this.#held.set(chunk, this.#heldLength);
      this.#heldLength += chunk.length;
      return;
    }
    const fromHeld = Math.min(this.#heldLength, release);
    if (fromHeld > 0) this.#pass(this.#held.subarray(0, fromHeld), consume);
    const fromChunk = release - fromHeld;
    if (fromChunk > 0) this.#pass(chunk.subarray(0, fromChunk), consume);
    this.#held.copyWithin(0, fromHeld, this.#heldLength);
    this.#heldLength -= fromHeld;
    this.#held.set(chunk.subarray(fromChunk), this.#heldLength);
    this.#heldLength += chunk.length - fromChunk;
  }

  /** Tells, once the stream has ended, whether it ends with a valid trailer. Throws `JUNK_AFTER_TRAILER` (see {@link PackChecksum.push}). */
  end(): PackEnding {
    const trailer = Buffer.from(this.#held.subarray(0, this.#heldLength));
    if (this.#bodyEnd !== undefined) {
      this.#keepEarly(trailer);
      this.#checkEarly();
    }
    const valid = trailer.length === PACK_TRAILER_LENGTH && this.#hash.copy().digest().equals(trailer);
    return { trailer, valid, extra: this.#bodyEnd === undefined ? 0 : this.passed - this.#bodyEnd.offset };
  }

  #pass(bytes: Uint8Array, consume: (bytes: Uint8Array) => number): void {
    const taken = this.#bodyEnd === undefined ? consume(bytes) : 0;
    if (taken < bytes.length && this.#bodyEnd === undefined) {
      this.#hash.update(bytes.subarray(0, taken));
      this.#bodyEnd = { offset: this.passed + taken, digest: this.#hash.copy().digest() };
      this.#hash.update(bytes.subarray(taken));
    } else {
      this.#hash.update(bytes);
    }
    if (this.#bodyEnd !== undefined) {
      this.#keepEarly(bytes.subarray(taken));
      // Bytes are passed on only while 20 more are held back: a complete early trailer has followers.
      this.#checkEarly();
    }
    this.passed += bytes.length;
  }

  #keepEarly(bytes: Uint8Array): void {
    const take = Math.min(bytes.length, PACK_TRAILER_LENGTH - this.#earlyLength);
    this.#early.set(bytes.subarray(0, take), this.#earlyLength);
    this.#earlyLength += take;
  }

  #checkEarly(): void {
    const bodyEnd = this.#bodyEnd!;
    if (this.#earlyLength === PACK_TRAILER_LENGTH && bodyEnd.digest.equals(this.#early)) {
      throw new PackError('JUNK_AFTER_TRAILER', 'unexpected bytes after the pack trailer', bodyEnd.offset + PACK_TRAILER_LENGTH);
    }
  }
}
