import { crc32 } from 'node:zlib';
import { PackError } from './errors.js';
import { entryEnd, type ObjectColumns } from './object-table.js';
import type { ReadRanges } from './range-reads.js';

/** Tuning for {@link EntryReader}. */
export interface EntryReaderOptions {
  /** Raw bytes per batch of planned entries. */
  batchBytes: number;
  /** Neighbouring ranges closer than this are merged into one read. Default 16 KiB. */
  maxGap?: number;
}

/** Batches read ahead of the one in use. */
const BATCHES_AHEAD = 2;
/** Merged reads stay under this size. */
const MAX_READ_LENGTH = 8 * 1024 * 1024;

interface Batch {
  /** Plan positions [start, end). */
  start: number;
  end: number;
  entries: Promise<Map<number, Uint8Array>>;
}

/**
 * Reads raw entries (header and zlib stream) back from the stored pack, checking each against the
 * CRC32 recorded while it streamed in. Entries requested in the order of a plan are read ahead in
 * batches; within a batch, ranges are sorted and neighbours merged, and all go out in one call.
 */
export class EntryReader {
  readonly #read: ReadRanges;
  readonly #columns: ObjectColumns;
  readonly #batchBytes: number;
  readonly #maxGap: number;
  #plan: ArrayLike<number> = [];
  #cursor = 0;
  #batches: Batch[] = [];
  /** Number of ranges read. */
  reads = 0;

  constructor(read: ReadRanges, columns: ObjectColumns, options: EntryReaderOptions) {
    this.#read = read;
    this.#columns = columns;
    this.#batchBytes = options.batchBytes;
    this.#maxGap = options.maxGap ?? 16 * 1024;
  }

  /** Sets the order in which entries will be requested, replacing any previous plan. */
  setPlan(plan: ArrayLike<number>): void {
    this.#plan = plan;
    this.#cursor = 0;
    this.#batches = [];
  }

  /** The raw bytes of entry `i`: read ahead if it is next in the plan, else read on its own. */
  async get(i: number): Promise<Uint8Array> {
    if (this.#cursor < this.#plan.length && this.#plan[this.#cursor] === i) {
      const position = this.#cursor++;
      this.#fill(position);
      while (this.#batches[0]!.end <= position) this.#batches.shift();
      const entries = await this.#batches[0]!.entries;
      const raw = entries.get(i)!;
      if (this.#cursor === this.#batches[0]!.end) this.#batches.shift();
      return raw;
    }
    return (await this.readEntries([i])).get(i)!;
  }

  /** Reads the raw bytes of `entries`, merging neighbours. */
  async readEntries(entries: ArrayLike<number>): Promise<Map<number, Uint8Array>> {
    const columns = this.#columns;
    const sorted = Int32Array.from(entries).sort((a, b) => columns.offsets[a]! - columns.offsets[b]!);
    const ranges: [number, number][] = [];
    const firstMembers: number[] = [];
    let first = 0;
    while (first < sorted.length) {
      const start = columns.offsets[sorted[first]!]!;
      let end = entryEnd(columns, sorted[first]!);
      let last = first + 1;
      while (last < sorted.length) {
        const next = sorted[last]!;
        const nextEnd = entryEnd(columns, next);
        if (columns.offsets[next]! - end > this.#maxGap || nextEnd - start > MAX_READ_LENGTH) break;
        end = Math.max(end, nextEnd);
        last++;
      }
      ranges.push([start, end - start]);
      firstMembers.push(first);
      first = last;
    }
    firstMembers.push(sorted.length);
    this.reads += ranges.length;
    const results = ranges.length === 0 ? [] : await this.#read(ranges);
    const entriesRead = new Map<number, Uint8Array>();
    for (const [r, [start, length]] of ranges.entries()) {
      const bytes = results[r]!;
      if (bytes.length < length) {
        throw new PackError('READ_BACK_MISMATCH', `read back ${bytes.length} bytes of the stored pack, asked for ${length}`, start);
      }
      for (let k = firstMembers[r]!; k < firstMembers[r + 1]!; k++) {
        const i = sorted[k]!;
        const at = columns.offsets[i]! - start;
        const raw = bytes.subarray(at, at + entryEnd(columns, i) - columns.offsets[i]!);
        if (crc32(raw) !== columns.crc32s[i]) {
          throw new PackError('READ_BACK_MISMATCH', 'entry read back from storage differs from the one received', columns.offsets[i]);
        }
        entriesRead.set(i, raw);
      }
    }
    return entriesRead;
  }

  #fill(position: number): void {
    let next = this.#batches.at(-1)?.end ?? position;
    while (next < this.#plan.length && (this.#batches.length === 0 || this.#batches.length <= BATCHES_AHEAD)) {
      const start = next;
      let bytes = 0;
      while (next < this.#plan.length && (next === start || bytes < this.#batchBytes)) {
        const i = this.#plan[next++]!;
        bytes += entryEnd(this.#columns, i) - this.#columns.offsets[i]!;
      }
      const members = Array.prototype.slice.call(this.#plan, start, next) as number[];
      const entries = this.readEntries(members);
      entries.catch(() => {});
      this.#batches.push({ start, end: next, entries });
    }
  }
}
