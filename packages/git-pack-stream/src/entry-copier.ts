import { crc32 } from 'node:zlib';
import { MAX_ENTRY_HEADER_LENGTH, parseEntryHeader, type EntryHeader } from './entry-header.js';
import { PackError } from './errors.js';
import type { MergePlan } from './merge-plan.js';
import { ObjectType } from './object-type.js';
import { PACK_HEADER_LENGTH, PACK_TRAILER_LENGTH, readPackHeader } from './pack-format.js';

/** Where the merged pack stands, shared by the copiers of its sources. */
export interface MergedOutput {
  /** Bytes written so far, pack header included. */
  position: number;
  /** Offset in the merged pack of each kept object (global object numbers). */
  readonly offsets: Float64Array;
  /** CRC32 of each kept object's entry in the merged pack. */
  readonly crc32s: Uint32Array;
  /** Deltas whose base moved (new OFS distance) and deltas whose base copy was dropped (now REF deltas). */
  readonly rewritten: { ofs: number; ref: number };
}

const HEAD_CAPACITY = MAX_ENTRY_HEADER_LENGTH + 20;

/**
 * Copies the entries a {@link MergePlan} keeps from one source pack into the merged pack, as a state machine over the
 * source's bytes: {@link write} takes each chunk and returns the bytes to append, views of the chunk wherever entries
 * pass unchanged. Compressed data is never inflated. An entry's header is rewritten only when its delta base moved
 * (a new OFS distance) or was dropped (a REF delta to the id, whose kept copy is in an earlier pack). Each copied
 * entry is checked against the CRC32 its index records, the pack against its header and trailer.
 */
export class EntryCopier {
  readonly #plan: MergePlan;
  readonly #source: number;
  readonly #output: MergedOutput;
  /** Source offset of the next byte. */
  #position = 0;
  /** The entry being read, in pack order; `objectCount` once the trailer is reached. */
  #entry = 0;
  #end = 0;
  #object = 0;
  #kept = false;
  /** Header bytes gathered across chunks (only when a header straddles two). */
  readonly #head = new Uint8Array(HEAD_CAPACITY);
  #headLength = 0;
  #inBody = false;
  #crcIn = 0;
  #crcOut = 0;
  #rewritten = false;
  #views: Uint8Array[] = [];

  constructor(plan: MergePlan, source: number, output: MergedOutput) {
    this.#plan = plan;
    this.#source = source;
    this.#output = output;
  }

  /** Consumes the next chunk of the source pack; returns the merged pack's next bytes (possibly none). */
  write(chunk: Uint8Array): Uint8Array[] {
    this.#views = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.#position < PACK_HEADER_LENGTH) at = this.#readPackHeader(chunk, at);
      else if (this.#entry < this.#sourcePlan.objectCount) at = this.#copyEntry(chunk, at);
      else at = this.#readTrailer(chunk, at);
    }
    return this.#views;
  }

  /** Checks that the whole pack was read. */
  end(): void {
    if (this.#position !== this.#sourcePlan.packSize) {
      throw new PackError('TRUNCATED', `pack ${this.#sourcePlan.packChecksum} ends after ${this.#position} of its ${this.#sourcePlan.packSize} bytes`, this.#position);
    }
  }

  get #sourcePlan() {
    return this.#plan.sources[this.#source]!;
  }

  #readPackHeader(chunk: Uint8Array, at: number): number {
    const take = Math.min(chunk.length - at, PACK_HEADER_LENGTH - this.#position);
    this.#head.set(chunk.subarray(at, at + take), this.#position);
    this.#position += take;
    if (this.#position === PACK_HEADER_LENGTH) {
      const { objectCount } = readPackHeader(this.#head);
      if (objectCount !== this.#sourcePlan.objectCount) {
        throw new PackError('OBJECT_COUNT_MISMATCH', `pack ${this.#sourcePlan.packChecksum} declares ${objectCount} objects, its index ${this.#sourcePlan.objectCount}`, 8);
      }
      this.#startEntry(0);
    }
    return at + take;
  }

  #readTrailer(chunk: Uint8Array, at: number): number {
    const { packSize, packChecksum } = this.#sourcePlan;
    const trailerAt = packSize - PACK_TRAILER_LENGTH;
    if (this.#position >= packSize) throw new PackError('JUNK_AFTER_TRAILER', `pack ${packChecksum} is longer than its ${packSize} bytes`, this.#position);
    const take = Math.min(chunk.length - at, packSize - this.#position);
    this.#head.set(chunk.subarray(at, at + take), this.#position - trailerAt);
    this.#position += take;
    if (this.#position === packSize && Buffer.from(this.#head.buffer, 0, PACK_TRAILER_LENGTH).toString('hex') !== packChecksum) {
      throw new PackError('TRAILER_MISMATCH', `pack ${packChecksum} does not end with its checksum`, trailerAt);
    }
    return at + take;
  }

  #startEntry(entry: number): void {
    const plan = this.#sourcePlan;
    this.#entry = entry;
    this.#headLength = 0;
    this.#inBody = false;
    if (entry === plan.objectCount) return;
    this.#end = this.#plan.entryEnd(this.#source, entry);
    this.#object = plan.entries[entry]!;
    this.#kept = this.#plan.keep[this.#object] === 1;
  }

  #copyEntry(chunk: Uint8Array, at: number): number {
    const available = Math.min(chunk.length - at, this.#end - this.#position);
    if (!this.#kept) {
      this.#position += available;
    } else if (this.#inBody) {
      this.#emitData(chunk.subarray(at, at + available));
      this.#position += available;
    } else {
      this.#copyHeader(chunk.subarray(at, at + available));
      this.#position += available;
    }
    if (this.#position === this.#end) this.#finishEntry();
    return at + available;
  }

  /** Takes the bytes of the entry's header (and whatever data follows it in `bytes`), once all of it is there. */
  #copyHeader(bytes: Uint8Array): void {
    const start = this.#sourcePlan.offsets[this.#entry]!;
    const gatheredUpTo = this.#position + bytes.length;
    let head: Uint8Array;
    if (this.#headLength === 0) {
      head = bytes;
    } else {
      const take = Math.min(bytes.length, HEAD_CAPACITY - this.#headLength);
      this.#head.set(bytes.subarray(0, take), this.#headLength);
      this.#headLength += take;
      head = this.#head.subarray(0, this.#headLength);
      bytes = bytes.subarray(take);
    }
    const header = parseEntryHeader(head, 0, head.length, start);
    if (header === undefined) {
      if (gatheredUpTo >= this.#end) throw new PackError('BAD_ENTRY_HEADER', 'entry ends inside its header', start);
      if (this.#headLength === 0) {
        this.#head.set(bytes);
        this.#headLength = bytes.length;
      }
      return;
    }
    const original = head.subarray(0, header.length);
    const replacement = this.#rewriteHeader(original, header, start);
    this.#output.offsets[this.#object] = this.#output.position;
    this.#crcIn = crc32(original);
    this.#rewritten = replacement !== undefined;
    this.#crcOut = replacement ? crc32(replacement) : 0;
    this.#inBody = true;
    // Bytes gathered in #head are copied out: the buffer is reused by the next entry.
    const fromHead = this.#headLength > 0;
    if (replacement) this.#emit(replacement);
    else this.#emit(fromHead ? original.slice() : original);
    const rest = head.subarray(header.length);
    if (rest.length > 0) this.#emitData(fromHead ? rest.slice() : rest);
    if (fromHead && bytes.length > 0) this.#emitData(bytes);
  }

  /** The entry's new header, or undefined when it stays as it is. */
  #rewriteHeader(original: Uint8Array, header: EntryHeader, start: number): Uint8Array | undefined {
    if (header.type !== ObjectType.ofsDelta) return undefined;
    const plan = this.#plan;
    const base = plan.entryAt(this.#source, header.baseOffset!);
    if (base < 0) throw new PackError('BAD_OFS_BASE', `no entry starts at the OFS delta base offset ${header.baseOffset}`, start);
    const baseObject = plan.sources[this.#source]!.entries[base]!;
    const sizeLength = sizeVarintLength(original);
    if (plan.keep[baseObject] === 1) {
      const distance = this.#output.position - this.#output.offsets[baseObject]!;
      if (distance === start - header.baseOffset!) return undefined;
      this.#output.rewritten.ofs++;
      const ofs = encodeOfsDistance(distance);
      const replacement = new Uint8Array(sizeLength + ofs.length);
      replacement.set(original.subarray(0, sizeLength));
      replacement.set(ofs, sizeLength);
      return replacement;
    }
    this.#output.rewritten.ref++;
    const replacement = new Uint8Array(sizeLength + 20);
    replacement.set(original.subarray(0, sizeLength));
    replacement[0] = (replacement[0]! & 0x8f) | (ObjectType.refDelta << 4);
    replacement.set(plan.ids.subarray(baseObject * 20, baseObject * 20 + 20), sizeLength);
    return replacement;
  }

  #finishEntry(): void {
    if (this.#kept) {
      if (this.#crcIn >>> 0 !== this.#plan.crc32s[this.#object]) {
        throw new PackError('CRC_MISMATCH', `entry does not match the CRC32 its index records (a corrupt copy of pack ${this.#sourcePlan.packChecksum})`, this.#sourcePlan.offsets[this.#entry]);
      }
      this.#output.crc32s[this.#object] = this.#rewritten ? this.#crcOut : this.#crcIn;
    }
    this.#startEntry(this.#entry + 1);
  }

  #emitData(view: Uint8Array): void {
    this.#crcIn = crc32(view, this.#crcIn);
    if (this.#rewritten) this.#crcOut = crc32(view, this.#crcOut);
    this.#emit(view);
  }

  /** Appends to the output, extending the previous view when `view` continues it in the same buffer. */
  #emit(view: Uint8Array): void {
    if (view.length === 0) return;
    this.#output.position += view.length;
    const last = this.#views.at(-1);
    if (last && last.buffer === view.buffer && last.byteOffset + last.length === view.byteOffset) {
      this.#views[this.#views.length - 1] = new Uint8Array(last.buffer, last.byteOffset, last.length + view.length);
    } else {
      this.#views.push(view);
    }
  }
}

/** Bytes of the type-and-size varint at the start of an entry header. */
function sizeVarintLength(header: Uint8Array): number {
  let length = 1;
  while (header[length - 1]! & 0x80) length++;
  return length;
}

/** The base distance of an OFS delta as git writes it: big-endian 7-bit groups, each but the last one less. */
export function encodeOfsDistance(distance: number): Uint8Array {
  const groups = [distance % 128];
  let rest = Math.floor(distance / 128);
  while (rest > 0) {
    rest -= 1;
    groups.unshift(0x80 | rest % 128);
    rest = Math.floor(rest / 128);
  }
  return Uint8Array.from(groups);
}
