/**
 * The delta bases a pass resolver holds: each entry's content, keyed by entry index, with the
 * position (in pass order) of its next child. When room runs out, the base whose next child is
 * farthest ahead goes first: it is the one whose space stays idle longest (Belady's rule), so the
 * bases about to be used stay.
 */
export class HeldBases {
  /** Most bytes held at any time. */
  peakBytes = 0;
  readonly #capacity: number;
  readonly #contents = new Map<number, Uint8Array>();
  readonly #keys = new Map<number, number>();
  /** A max-heap of (key, index) pairs; pairs whose key is no longer the index's are stale and skipped. */
  #heapKeys: number[] = [];
  #heapIndices: number[] = [];
  #bytes = 0;

  /** Holds at most `capacity` bytes, but for a single base larger than that when nothing else is held. */
  constructor(capacity: number) {
    this.#capacity = capacity;
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
   * Holds a copy of `content` (made by `copy`, called only if admitted) for entry `index`, next
   * used at `key`, evicting bases next used later to make room. Returns false, evicting nothing,
   * if what would have to go is all needed sooner.
   */
  hold(index: number, size: number, key: number, copy: () => Uint8Array): boolean {
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
    this.#contents.set(index, copy());
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
