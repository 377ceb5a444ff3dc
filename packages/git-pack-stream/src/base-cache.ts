/** A {@link BaseCache}'s arena and contents, to move it to another thread (transfer `arena`). */
export interface BaseCacheState {
  arena: ArrayBuffer;
  /** Bytes the arena may grow to. */
  capacity: number;
  /** Index, start and length of each entry, oldest first. */
  records: Float64Array;
  head: number;
  peakBytes: number;
}

/** What a new arena starts with. */
const INITIAL_ARENA_BYTES = 1024 * 1024;

/**
 * A cache of inflated objects keyed by entry index, holding them in one ring-shaped arena so that
 * caching creates no garbage: space is handed out in allocation order and the oldest objects are
 * evicted as it comes round again (first in, first out). The arena starts small and doubles up to
 * its capacity before it first comes round, so a small pack never pays for a large budget.
 *
 * Views returned by {@link BaseCache.get} and {@link BaseCache.allocate} stay valid until a later
 * allocation overwrites them; pass the view still in use as `keep` to make an allocation fail
 * instead of overwriting it.
 */
export class BaseCache {
  /** Most bytes held at any time. */
  peakBytes = 0;
  #arena: Buffer;
  readonly #capacity: number;
  /** By entry index: where it starts in the arena (-1 if not cached), and its length. */
  #starts = new Int32Array(1024).fill(-1);
  #lengths = new Int32Array(1024);
  /** Cached entries in allocation order: a ring of (index, start) pairs; stale pairs are skipped. */
  #order = new Int32Array(2048);
  #orderFirst = 0;
  #orderCount = 0;
  #head = 0;
  #bytes = 0;
  #lastStart = -1;
  #lastEnd = -1;

  /** An empty cache of `capacity` bytes, or one carrying on from a {@link BaseCache.detach}ed state. */
  constructor(capacity: number | BaseCacheState) {
    if (typeof capacity === 'number') {
      this.#capacity = capacity;
      this.#arena = Buffer.allocUnsafeSlow(Math.min(capacity, INITIAL_ARENA_BYTES));
      return;
    }
    const { arena, records, head, peakBytes } = capacity;
    this.#capacity = capacity.capacity;
    this.#arena = Buffer.from(arena);
    for (let r = 0; r < records.length; r += 3) this.#record(records[r]!, records[r + 1]!, records[r + 2]!);
    this.#head = head;
    this.peakBytes = peakBytes;
  }

  /** Hands the arena and what it holds over, for another thread to carry on with; this cache is left empty. */
  detach(): BaseCacheState {
    const records: number[] = [];
    for (let k = 0; k < this.#orderCount; k++) {
      const at = ((this.#orderFirst + k) % (this.#order.length / 2)) * 2;
      const index = this.#order[at]!;
      if (this.#starts[index] === this.#order[at + 1]) records.push(index, this.#starts[index]!, this.#lengths[index]!);
    }
    this.#starts.fill(-1);
    this.#orderCount = 0;
    this.#bytes = 0;
    return { arena: this.#arena.buffer as ArrayBuffer, capacity: this.#capacity, records: Float64Array.from(records), head: this.#head, peakBytes: this.peakBytes };
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get(index: number): Uint8Array | undefined {
    const start = index < this.#starts.length ? this.#starts[index]! : -1;
    return start < 0 ? undefined : this.#arena.subarray(start, start + this.#lengths[index]!);
  }

  /**
   * Space for `size` bytes, evicting what it overlaps; undefined if `size` exceeds a quarter of
   * the capacity or the space would overlap `keep`.
   */
  allocate(size: number, keep?: Uint8Array): Buffer | undefined {
    if (size > this.#capacity / 4) return undefined;
    if (this.#head + size > this.#arena.length && this.#arena.length < this.#capacity) this.#grow(this.#head + size);
    const arena = this.#arena;
    let start = this.#head;
    if (start + size > arena.length) start = 0;
    const end = start + size;
    if (keep !== undefined && keep.buffer === arena.buffer) {
      const keepStart = keep.byteOffset - arena.byteOffset;
      if (keepStart < end && keepStart + keep.length > start) return undefined;
    }
    // The oldest entries lie from the head on: those past it when wrapping round, then those overlapped.
    if (start === 0 && this.#head !== 0) this.#evictOldest(this.#head, arena.length);
    this.#evictOldest(start, end);
    this.#head = end;
    this.#lastStart = start;
    this.#lastEnd = end;
    return arena.subarray(start, end);
  }

  /**
   * Moves to an arena of at least `length` bytes (doubling, up to the capacity). It has not come
   * round yet, so everything cached lies before the head; views of the old arena stay valid.
   */
  #grow(length: number): void {
    const arena = Buffer.allocUnsafeSlow(Math.min(this.#capacity, Math.max(length, this.#arena.length * 2)));
    this.#arena.copy(arena, 0, 0, this.#head);
    this.#arena = arena;
  }

  /** Caches `data` for entry `index` if it lies in the latest allocation; returns whether it did. */
  set(index: number, data: Uint8Array): boolean {
    const start = data.byteOffset - this.#arena.byteOffset;
    if (data.buffer !== this.#arena.buffer || start < this.#lastStart || start + data.length > this.#lastEnd) return false;
    this.#lastStart = this.#lastEnd = -1;
    this.#record(index, start, data.length);
    return true;
  }

  /** Caches a copy of `data` for entry `index`, if there is room. */
  setCopy(index: number, data: Uint8Array): void {
    const copy = this.allocate(data.length);
    if (copy === undefined) return;
    copy.set(data);
    this.set(index, copy);
  }

  #record(index: number, start: number, length: number): void {
    if (index >= this.#starts.length) {
      const size = Math.max(index + 1, this.#starts.length * 2);
      const starts = new Int32Array(size).fill(-1);
      starts.set(this.#starts);
      const lengths = new Int32Array(size);
      lengths.set(this.#lengths);
      this.#starts = starts;
      this.#lengths = lengths;
    }
    if (this.#starts[index]! >= 0) this.#bytes -= this.#lengths[index]!;
    this.#starts[index] = start;
    this.#lengths[index] = length;
    this.#bytes += length;
    if (this.#bytes > this.peakBytes) this.peakBytes = this.#bytes;
    const slots = this.#order.length / 2;
    if (this.#orderCount === slots) {
      const order = new Int32Array(this.#order.length * 2);
      for (let k = 0; k < this.#orderCount; k++) order.set(this.#order.subarray(((this.#orderFirst + k) % slots) * 2, ((this.#orderFirst + k) % slots) * 2 + 2), k * 2);
      this.#order = order;
      this.#orderFirst = 0;
    }
    const at = ((this.#orderFirst + this.#orderCount) % (this.#order.length / 2)) * 2;
    this.#order[at] = index;
    this.#order[at + 1] = start;
    this.#orderCount++;
  }

  /** Evicts entries from the oldest on, while they start within `[from, to)`. */
  #evictOldest(from: number, to: number): void {
    const slots = this.#order.length / 2;
    while (this.#orderCount > 0) {
      const at = this.#orderFirst * 2;
      const index = this.#order[at]!;
      const start = this.#order[at + 1]!;
      if (this.#starts[index] === start) {
        if (start < from || start >= to) return;
        this.#starts[index] = -1;
        this.#bytes -= this.#lengths[index]!;
      }
      this.#orderFirst = (this.#orderFirst + 1) % slots;
      this.#orderCount--;
    }
  }
}
