import { PackError } from './errors.js';
import { compareIds } from './object-id.js';

const ID = 20;
/** Signature, version and the 256-entry fan-out table in front of a version-2 .idx's name table. */
const HEADER = 8 + 256 * 4;
const SIGNATURE = 0xff744f63;

/**
 * Finds which of a sorted set of object ids (the needles) a version-2 .idx lists, from the .idx's bytes as they
 * stream in: the sorted name table is merged against the needles, so only the needles, the header and one id split
 * between chunks are held, and reading stops as soon as the answer is known (past the last needle, or at the end of
 * the name table). I/O-free: feed it with {@link IdxNameMatcher.push}.
 *
 * @example
 * const found = new Uint8Array(needles.length / 20);
 * const matcher = new IdxNameMatcher(needles, found);
 * for await (const chunk of idxStream) if (matcher.push(chunk)) break;
 * matcher.end();
 */
export class IdxNameMatcher {
  readonly #needles: Uint8Array;
  readonly #found: Uint8Array;
  readonly #name: string;
  #header = new Uint8Array(HEADER);
  #headerLength = 0;
  /** Names in the table, known once the header is read. */
  #count = -1;
  #namesRead = 0;
  #needle = 0;
  /** An id split between two chunks. */
  readonly #partial = new Uint8Array(ID);
  #partialLength = 0;
  #done = false;

  /**
   * @param needles ascending, distinct 20-byte ids.
   * @param found one flag per needle, set to 1 for each needle the .idx lists (others are left as they are).
   * @param name what the .idx is called, for messages.
   */
  constructor(needles: Uint8Array, found: Uint8Array, name = 'the pack index') {
    this.#needles = needles;
    this.#found = found;
    this.#name = name;
    this.#done = needles.length === 0;
  }

  /** Whether every needle has been decided; no more bytes are needed. */
  get done(): boolean {
    return this.#done;
  }

  /** Reads the next bytes of the .idx; returns {@link IdxNameMatcher.done}. Throws a `BAD_IDX` {@link PackError} for a malformed .idx. */
  push(chunk: Uint8Array): boolean {
    let at = 0;
    if (this.#count < 0 && !this.#done) {
      const take = Math.min(HEADER - this.#headerLength, chunk.length);
      this.#header.set(chunk.subarray(0, take), this.#headerLength);
      this.#headerLength += take;
      at = take;
      if (this.#headerLength < HEADER) return false;
      this.#readHeader();
    }
    while (!this.#done && at < chunk.length) {
      if (this.#partialLength > 0 || chunk.length - at < ID) {
        const take = Math.min(ID - this.#partialLength, chunk.length - at);
        this.#partial.set(chunk.subarray(at, at + take), this.#partialLength);
        this.#partialLength += take;
        at += take;
        if (this.#partialLength < ID) break;
        this.#partialLength = 0;
        this.#match(this.#partial, 0);
      } else {
        this.#match(chunk, at);
        at += ID;
      }
    }
    return this.#done;
  }

  /** Throws unless {@link IdxNameMatcher.done}: call when the .idx has ended. */
  end(): void {
    if (!this.#done) throw this.#bad(this.#count < 0 ? 'it ends inside its header' : 'it ends inside its name table');
  }

  #readHeader(): void {
    const view = new DataView(this.#header.buffer);
    if (view.getUint32(0) !== SIGNATURE || view.getUint32(4) !== 2) throw this.#bad('it is not a version-2 pack index');
    for (let b = 1; b < 256; b++) {
      if (view.getUint32(8 + b * 4) < view.getUint32(8 + (b - 1) * 4)) throw this.#bad('its fan-out table decreases');
    }
    this.#count = view.getUint32(8 + 255 * 4);
    this.#header = new Uint8Array(0);
    if (this.#count === 0) this.#done = true;
  }

  /** Merges one name of the table, at `name[at..]`, against the needles. */
  #match(name: Uint8Array, at: number): void {
    const needles = this.#needles;
    const total = needles.length / ID;
    while (this.#needle < total) {
      const order = compareIds(name, at, needles, this.#needle * ID);
      if (order < 0) break;
      if (order === 0) this.#found[this.#needle] = 1;
      this.#needle++;
      if (order === 0) break;
    }
    this.#namesRead++;
    if (this.#needle === total || this.#namesRead === this.#count) this.#done = true;
  }

  #bad(reason: string): PackError {
    return new PackError('BAD_IDX', `${this.#name} is not a valid pack index: ${reason}`);
  }
}
