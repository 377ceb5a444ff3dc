import { lowerBound } from './sorted-search.js';

/**
 * The delta bases a pass resolver holds: each entry's content, keyed by entry index, with the
 * position (in pass order) of its next child. When room runs out, the base whose next child is
 * farthest ahead goes first: it is the one whose space stays idle longest (Belady's rule), so the
 * bases about to be used stay.
 *
 * Contents live in one arena, placed first-fit among free segments merged as they are freed, so
 * that holding and releasing thousands of bases leaves no heap of freed buffers behind. A base
 * that finds no segment large enough (a fragmented arena, or one larger than it) gets a buffer of
 * its own, within the same byte count. Views from {@link HeldBases.get} are valid until the next
 * {@link HeldBases.hold}.
 */
export class HeldBases {
  /** Most bytes held at any time. */
  peakBytes = 0;
  readonly #capacity: number;
  /** Made on first use: a pack the stream resolved whole never holds a base. */
  #arena: Uint8Array | undefined;
  readonly #givenArena: ArrayBuffer | undefined;
  /** Free segments of the arena, in address order, never adjacent. */
  #freeStarts: number[] = [];
  #freeLengths: number[] = [];
  readonly #contents = new Map<number, Uint8Array>();
  readonly #keys = new Map<number, number>();
  /** A max-heap of (key, index) pairs; pairs whose key is no longer the index's are stale and skipped. */
  #heapKeys: number[] = [];
  #heapIndices: number[] = [];
  #bytes = 0;

  /**
   * Holds at most `capacity` bytes, but for a single base larger than that when nothing else is
   * held; in `arena` (`capacity` bytes, the stream cache's memory) if given, else in a new one.
   */
  constructor(capacity: number, arena?: ArrayBuffer) {
    this.#capacity = capacity;
    this.#givenArena = arena !== undefined && arena.byteLength >= capacity ? arena : undefined;
    if (capacity > 0) {
      this.#freeStarts.push(0);
      this.#freeLengths.push(capacity);
    }
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#contents.size;
  }

  get(index: number): Uint8Array | undefined {
    return this.#contents.get(index);
  }

  has(index: number): boolean {
    return this.#contents.has(index);
  }

  /** The indices held, in no particular order. */
  indices(): number[] {
    return [...this.#contents.keys()];
  }

  /**
   * Holds a copy of `content` for entry `index`, next used at `key`, evicting bases next used
   * later to make room. Returns false, evicting nothing, if what would have to go is all needed
   * sooner.
   */
  hold(index: number, content: Uint8Array, key: number): boolean {
    const size = content.length;
    if (this.#contents.size > 0 && this.#bytes + size > this.#capacity) {
      let freeable = this.#capacity - this.#bytes;
      const victims = new Map<number, number>();
      while (freeable < size && this.#heapKeys.length > 0) {
        const [top, topKey] = popMax(this.#heapKeys, this.#heapIndices);
        if (this.#keys.get(top) !== topKey || victims.has(top)) continue;
        if (topKey <= key) {
          pushMax(this.#heapKeys, this.#heapIndices, topKey, top);
          break;
        }
        victims.set(top, topKey);
        freeable += this.#contents.get(top)!.length;
      }
      // Not enough room even then: keep what is needed sooner; a base over the capacity is held alone.
      if (freeable < size && victims.size < this.#contents.size) {
        for (const [victim, victimKey] of victims) pushMax(this.#heapKeys, this.#heapIndices, victimKey, victim);
        return false;
      }
      for (const victim of victims.keys()) this.release(victim);
    }
    const copy = this.#allocate(size) ?? new Uint8Array(size);
    copy.set(content);
    this.#contents.set(index, copy);
    this.#bytes += size;
    if (this.#bytes > this.peakBytes) this.peakBytes = this.#bytes;
    this.setKey(index, key);
    return true;
  }

  /** Records that entry `index` is next used at `key`. */
  setKey(index: number, key: number): void {
    if (!this.#contents.has(index)) return;
    this.#keys.set(index, key);
    pushMax(this.#heapKeys, this.#heapIndices, key, index);
    // Stale pairs pile up as keys move on; rebuild once they outnumber the live ones.
    if (this.#heapKeys.length > 64 && this.#heapKeys.length > 4 * this.#contents.size) this.#rebuild();
  }

  release(index: number): void {
    const content = this.#contents.get(index);
    if (content === undefined) return;
    this.#contents.delete(index);
    this.#keys.delete(index);
    this.#bytes -= content.length;
    const arena = this.#arena;
    if (arena !== undefined && content.buffer === arena.buffer && content.length > 0) this.#free(content.byteOffset - arena.byteOffset, content.length);
  }

  /** First-fit space for `size` bytes in the arena, if a free segment is large enough. */
  #allocate(size: number): Uint8Array | undefined {
    if (size === 0) return undefined;
    const starts = this.#freeStarts;
    const lengths = this.#freeLengths;
    for (let k = 0; k < starts.length; k++) {
      if (lengths[k]! < size) continue;
      const start = starts[k]!;
      if (lengths[k] === size) {
        starts.splice(k, 1);
        lengths.splice(k, 1);
      } else {
        starts[k] = start + size;
        lengths[k]! -= size;
      }
      this.#arena ??= this.#givenArena !== undefined ? new Uint8Array(this.#givenArena, 0, this.#capacity) : new Uint8Array(this.#capacity);
      return this.#arena.subarray(start, start + size);
    }
    return undefined;
  }

  /** Returns `[start, start + length)` to the free segments, merging it with its neighbours. */
  #free(start: number, length: number): void {
    const starts = this.#freeStarts;
    const lengths = this.#freeLengths;
    const low = lowerBound(starts, start);
    const mergesBefore = low > 0 && starts[low - 1]! + lengths[low - 1]! === start;
    const mergesAfter = low < starts.length && start + length === starts[low];
    if (mergesBefore && mergesAfter) {
      lengths[low - 1]! += length + lengths[low]!;
      starts.splice(low, 1);
      lengths.splice(low, 1);
    } else if (mergesBefore) lengths[low - 1]! += length;
    else if (mergesAfter) {
      starts[low] = start;
      lengths[low]! += length;
    } else {
      starts.splice(low, 0, start);
      lengths.splice(low, 0, length);
    }
  }

  #rebuild(): void {
    this.#heapKeys = [];
    this.#heapIndices = [];
    for (const [index, key] of this.#keys) pushMax(this.#heapKeys, this.#heapIndices, key, index);
  }
}

function pushMax(keys: number[], indices: number[], key: number, index: number): void {
  let at = keys.length;
  keys.push(key);
  indices.push(index);
  while (at > 0) {
    const parent = (at - 1) >> 1;
    if (keys[parent]! >= key) break;
    keys[at] = keys[parent]!;
    indices[at] = indices[parent]!;
    at = parent;
  }
  keys[at] = key;
  indices[at] = index;
}

function popMax(keys: number[], indices: number[]): [index: number, key: number] {
  const top: [number, number] = [indices[0]!, keys[0]!];
  const lastKey = keys.pop()!;
  const lastIndex = indices.pop()!;
  if (keys.length > 0) {
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= keys.length) break;
      if (child + 1 < keys.length && keys[child + 1]! > keys[child]!) child++;
      if (keys[child]! <= lastKey) break;
      keys[at] = keys[child]!;
      indices[at] = indices[child]!;
      at = child;
    }
    keys[at] = lastKey;
    indices[at] = lastIndex;
  }
  return top;
}
