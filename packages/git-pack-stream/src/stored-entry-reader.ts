import { crc32 } from 'node:zlib';
import { DEFAULT_WINDOW, WindowedReader, type ContentSource } from './content-reader.js';
import { PackError } from './errors.js';
import { Inflater } from './inflater.js';
import { entryEnd, type ObjectColumns } from './object-table.js';
import type { ReadRange } from './range-reads.js';

/** Where an entry lies in the stored pack, and what it inflates to. */
export interface StoredEntry {
  /** Pack offset of the entry header. */
  offset: number;
  /** Bytes of header in front of the zlib stream. */
  headerLength: number;
  /** Pack offset where the entry ends. */
  end: number;
  /** Inflated size of the entry's data: an object's content, or a delta's instructions. */
  size: number;
  /** CRC32 of the entry's raw bytes, as recorded while the pack streamed in. */
  crc32: number;
}

/** Entry `i` of the indexer's columns as a {@link StoredEntry}. */
export function storedEntry(columns: ObjectColumns, i: number): StoredEntry {
  return {
    offset: columns.offsets[i]!,
    headerLength: columns.headerLengths[i]!,
    end: entryEnd(columns, i),
    size: columns.sizes[i]!,
    crc32: columns.crc32s[i]!,
  };
}

/** Raw bytes read from the stored pack at once. */
const RAW_READ = 256 * 1024;

/**
 * Reads the inflated data of an entry of the stored pack (a whole object's content, or a delta's
 * instructions) through a window of `window` bytes, inflating its zlib stream again from the start
 * when a read goes back before the window. Once its last byte has been inflated, the entry's raw
 * bytes are checked against its CRC32: a mismatch is `READ_BACK_MISMATCH`.
 */
export function storedEntryReader(read: ReadRange, entry: StoredEntry, window = DEFAULT_WINDOW): WindowedReader {
  return new WindowedReader(entry.size, () => new StoredEntrySource(read, entry), window);
}

class StoredEntrySource implements ContentSource {
  readonly #read: ReadRange;
  readonly #entry: StoredEntry;
  readonly #inflater = new Inflater();
  /** Pack offset of the next raw bytes to read. */
  #next: number;
  #raw: Uint8Array = new Uint8Array(0);
  #rawAt = 0;
  #crc = 0;
  #produced = 0;
  #checked = false;

  constructor(read: ReadRange, entry: StoredEntry) {
    this.#read = read;
    this.#entry = entry;
    this.#next = entry.offset;
    this.#inflater.reset();
  }

  async fill(target: Uint8Array): Promise<number> {
    const entry = this.#entry;
    let written = 0;
    while (written < target.length && this.#produced < entry.size) {
      if (this.#rawAt === this.#raw.length) await this.#readRaw();
      const want = Math.min(target.length - written, entry.size - this.#produced);
      if (!this.#inflater.inflate(this.#raw, this.#rawAt, this.#raw.length, target, written, written + want)) {
        throw this.#mismatch(`does not inflate as received: ${this.#inflater.error}`);
      }
      this.#rawAt += this.#inflater.consumed;
      written += this.#inflater.produced;
      this.#produced += this.#inflater.produced;
      if (this.#inflater.produced === 0 && this.#inflater.consumed === 0 && this.#rawAt < this.#raw.length) {
        throw this.#mismatch('ends before its inflated size');
      }
    }
    if (this.#produced === entry.size && !this.#checked) await this.#checkCrc();
    return written;
  }

  close(): void {
    this.#inflater.close();
  }

  async #readRaw(): Promise<void> {
    const entry = this.#entry;
    if (this.#next >= entry.end) throw this.#mismatch('ends before its inflated size');
    const length = Math.min(RAW_READ, entry.end - this.#next);
    const bytes = await this.#read(this.#next, length);
    if (bytes.length < length) throw this.#mismatch(`read back ${bytes.length} bytes, asked for ${length}`);
    this.#crc = crc32(bytes.subarray(0, length), this.#crc);
    const skip = Math.max(0, entry.offset + entry.headerLength - this.#next);
    this.#raw = bytes.subarray(skip, length);
    this.#rawAt = 0;
    this.#next += length;
  }

  /** Reads the rest of the entry's raw bytes and checks them against its CRC32. */
  async #checkCrc(): Promise<void> {
    this.#checked = true;
    while (this.#next < this.#entry.end) await this.#readRaw();
    if (this.#crc !== this.#entry.crc32) throw this.#mismatch('differs from the one received');
  }

  #mismatch(what: string): PackError {
    return new PackError('READ_BACK_MISMATCH', `entry read back from storage ${what}`, this.#entry.offset);
  }
}
