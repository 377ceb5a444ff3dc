/** The shared memory behind a {@link DeltaStore}, to hand it to workers. */
export interface DeltaStoreMemory {
  /** Bytes used, then records used. */
  counters: Int32Array;
  data: Uint8Array;
  /** Three numbers per record: entry index, start, length. */
  records: Int32Array;
}

/**
 * Keeps, in shared memory up to a byte limit, the inflated data of deltas that could not be
 * resolved while the pack streamed in, so that resolving them later needs neither a read nor
 * inflating them again. Append-only; any thread may append, safely at once.
 */
export class DeltaStore {
  /** Made on first use: most small packs never keep a delta, and zeroing megabytes of shared memory is not free. */
  #memory: DeltaStoreMemory | undefined;
  readonly #capacity: number;
  /** By entry index: its record number, or -1. */
  #lookup: Int32Array | undefined;

  constructor(memory: DeltaStoreMemory);
  constructor(capacity: number);
  constructor(source: number | DeltaStoreMemory) {
    if (typeof source === 'number') this.#capacity = source;
    else {
      this.#memory = source;
      this.#capacity = source.data.length;
    }
  }

  /** The shared memory, to hand to a worker (made now if it was not yet). */
  get memory(): DeltaStoreMemory {
    if (this.#memory === undefined) {
      const maxRecords = Math.max(1, Math.floor(this.#capacity / 16));
      this.#memory = {
        counters: new Int32Array(new SharedArrayBuffer(8)),
        data: new Uint8Array(new SharedArrayBuffer(Math.max(1, this.#capacity))),
        records: new Int32Array(new SharedArrayBuffer(maxRecords * 12)),
      };
    }
    return this.#memory;
  }

  /** Stores `data` for entry `index` if there is room; returns whether it did. */
  add(index: number, data: Uint8Array): boolean {
    const { counters, data: arena, records } = this.memory;
    if (Atomics.load(counters, 0) + data.length > arena.length) return false;
    const start = Atomics.add(counters, 0, data.length);
    if (start + data.length > arena.length) return false;
    const record = Atomics.add(counters, 1, 1);
    if (record * 3 >= records.length) return false;
    arena.set(data, start);
    records[record * 3] = index;
    records[record * 3 + 1] = start;
    records[record * 3 + 2] = data.length;
    return true;
  }

  /** The data stored for entry `index`. Only once all appends are over. */
  get(index: number): Uint8Array | undefined {
    if (this.#memory === undefined) return undefined;
    const { counters, data, records } = this.#memory;
    if (this.#lookup === undefined) {
      const count = Math.min(Atomics.load(counters, 1), records.length / 3);
      let size = 0;
      for (let r = 0; r < count; r++) size = Math.max(size, records[r * 3]! + 1);
      this.#lookup = new Int32Array(size).fill(-1);
      for (let r = 0; r < count; r++) this.#lookup[records[r * 3]!] = r;
    }
    const r = index < this.#lookup.length ? this.#lookup[index]! : -1;
    return r < 0 ? undefined : data.subarray(records[r * 3 + 1]!, records[r * 3 + 1]! + records[r * 3 + 2]!);
  }
}
