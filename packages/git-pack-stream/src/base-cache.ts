/** A {@link BaseCache}'s arena and contents, to move it to another thread (transfer `arena`). */
export interface BaseCacheState {
  arena: ArrayBuffer;
  /** Index, start and length of each entry, oldest first. */
  records: Float64Array;
  head: number;
  peakBytes: number;
}

/**
 * A cache of inflated objects keyed by entry index, holding them in one fixed ring-shaped arena
 * so that caching creates no garbage: space is handed out in allocation order and the oldest
 * objects are evicted as it comes round again (first in, first out).
 *
 * Views returned by {@link BaseCache.get} and {@link BaseCache.allocate} stay valid until a later
 * allocation overwrites them; pass the view still in use as `keep` to make an allocation fail
 * instead of overwriting it.
 */
export class BaseCache {
  /** Most bytes held at any time. */
  peakBytes = 0;
  readonly #arena: Buffer;
  /** Cached entries in allocation order: index, start, length. */
  readonly #entries = new Map<number, { start: number; length: number }>();
  #head = 0;
  #bytes = 0;
  #lastAllocation: { start: number; length: number } | undefined;

  /** An empty cache of `capacity` bytes, or one carrying on from a {@link BaseCache.detach}ed state. */
  constructor(capacity: number | BaseCacheState) {
    if (typeof capacity === 'number') {
      this.#arena = Buffer.allocUnsafeSlow(capacity);
      return;
    }
    const { arena, records, head, peakBytes } = capacity;
    this.#arena = Buffer.from(arena);
    for (let r = 0; r < records.length; r += 3) {
      this.#entries.set(records[r]!, { start: records[r + 1]!, length: records[r + 2]! });
      this.#bytes += records[r + 2]!;
    }
    this.#head = head;
    this.peakBytes = peakBytes;
  }

  /** Hands the arena and what it holds over, for another thread to carry on with; this cache is left empty. */
  detach(): BaseCacheState {
    const records = new Float64Array(this.#entries.size * 3);
    let r = 0;
    for (const [index, { start, length }] of this.#entries) records.set([index, start, length], 3 * r++);
    const state = { arena: this.#arena.buffer as ArrayBuffer, records, head: this.#head, peakBytes: this.peakBytes };
    this.#entries.clear();
    this.#bytes = 0;
    return state;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get(index: number): Uint8Array | undefined {
    const entry = this.#entries.get(index);
    return entry && this.#arena.subarray(entry.start, entry.start + entry.length);
  }

  /**
   * Space for `size` bytes, evicting what it overlaps; undefined if `size` exceeds a quarter of
   * the arena or the space would overlap `keep`.
   */
  allocate(size: number, keep?: Uint8Array): Buffer | undefined {
    const arena = this.#arena;
    if (size > arena.length / 4) return undefined;
    let start = this.#head;
    if (start + size > arena.length) start = 0;
    const end = start + size;
    if (keep !== undefined && keep.buffer === arena.buffer) {
      const keepStart = keep.byteOffset - arena.byteOffset;
      if (keepStart < end && keepStart + keep.length > start) return undefined;
    }
    if (start === 0 && this.#head !== 0) this.#evict((entry) => entry.start >= this.#head);
    this.#evict((entry) => entry.start < end && entry.start + entry.length > start);
    this.#head = end;
    this.#lastAllocation = { start, length: size };
    return arena.subarray(start, end);
  }

  /** Caches `data` for entry `index` if it lies in the latest allocation; returns whether it did. */
  set(index: number, data: Uint8Array): boolean {
    const last = this.#lastAllocation;
    const start = data.byteOffset - this.#arena.byteOffset;
    if (last === undefined || data.buffer !== this.#arena.buffer || start < last.start || start + data.length > last.start + last.length) return false;
    this.#lastAllocation = undefined;
    this.#entries.delete(index);
    this.#entries.set(index, { start, length: data.length });
    this.#bytes += data.length;
    if (this.#bytes > this.peakBytes) this.peakBytes = this.#bytes;
    return true;
  }

  /** Caches a copy of `data` for entry `index`, if there is room. */
  setCopy(index: number, data: Uint8Array): void {
    const copy = this.allocate(data.length);
    if (copy === undefined) return;
    copy.set(data);
    this.set(index, copy);
  }

  /** Evicts entries from the oldest on, while they match. */
  #evict(matches: (entry: { start: number; length: number }) => boolean): void {
    for (const [index, entry] of this.#entries) {
      if (!matches(entry)) return;
      this.#entries.delete(index);
      this.#bytes -= entry.length;
    }
  }
}
