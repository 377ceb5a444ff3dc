import { applyDeltaInto, readDeltaHeader } from './delta.js';
import { refChildRange, type DeltaForest } from './delta-forest.js';
import type { BaseCache } from './base-cache.js';
import type { EntryReader } from './entry-reader.js';
import type { DeltaStore } from './delta-store.js';
import { PackError } from './errors.js';
import { inflateKnown, Inflater } from './inflater.js';
import { allocateFramedObject, writeFramedObjectId } from './object-id.js';
import type { ObjectColumns } from './object-table.js';
import { Scratch } from './scratch.js';

/**
 * Applies `delta` (of entry at pack `offset`) to `base`, an object of entry type `type`, refusing
 * results over `maxObjectSize` before allocating them. The result is framed for
 * {@link writeFramedObjectId}, in space from `cache` when it fits, ready for `cache.set`.
 */
export function undelta(type: number, base: Uint8Array, delta: Uint8Array, offset: number, maxObjectSize: number, cache: BaseCache): Uint8Array {
  const header = readDeltaHeader(delta, offset);
  if (header.resultSize > maxObjectSize) {
    throw new PackError('OBJECT_TOO_LARGE', `delta declares a ${header.resultSize}-byte result, over the ${maxObjectSize}-byte limit`, offset);
  }
  const target = allocateFramedObject(type, header.resultSize, (length) => cache.allocate(length, base) ?? Buffer.allocUnsafe(length));
  return applyDeltaInto(base, delta, header, target, offset);
}

/**
 * Resolves the deltas of a {@link DeltaForest} depth-first from its roots: each delta is applied to
 * its base's content, hashed, recorded in the columns and cached for its own children. Bases that
 * fell out of the cache are rebuilt from the stored pack. Runs on the main thread or in a worker.
 */
export class ForestResolver {
  /** Deltas resolved so far. */
  resolved = 0;
  readonly #columns: ObjectColumns;
  readonly #forest: DeltaForest;
  readonly #cache: BaseCache;
  readonly #reader: EntryReader;
  readonly #maxObjectSize: number;
  readonly #inflater = new Inflater();
  readonly #scratch = new Scratch();
  /** Deltas found in `store` are not read back. */
  readonly #store: DeltaStore;
  readonly #sharesThread: boolean;
  /** The ids column, as a buffer to write ids into. */
  readonly #ids: Buffer;

  /**
   * `sharesThread` makes {@link ForestResolver.resolve} yield to the event loop now and then, for
   * a thread that also serves workers' reads.
   */
  constructor(
    columns: ObjectColumns,
    forest: DeltaForest,
    cache: BaseCache,
    store: DeltaStore,
    reader: EntryReader,
    maxObjectSize: number,
    sharesThread = false,
  ) {
    this.#sharesThread = sharesThread;
    this.#store = store;
    this.#columns = columns;
    this.#ids = Buffer.from(columns.ids.buffer, columns.ids.byteOffset, columns.ids.byteLength);
    this.#forest = forest;
    this.#cache = cache;
    this.#reader = reader;
    this.#maxObjectSize = maxObjectSize;
  }

  /**
   * Resolves every delta below `roots` (non-delta entries), rebuilding the resolved entries on the
   * way. `onProgress` is told the running count of deltas resolved now and then.
   */
  async resolve(roots: ArrayLike<number>, onProgress?: (resolved: number) => void): Promise<void> {
    const { plan, plannedRoots } = this.#plan(roots);
    this.#reader.setPlan(plan);
    const columns = this.#columns;
    const stack: number[] = [];
    for (let r = 0; r < roots.length; r++) {
      const root = roots[r]!;
      let rootContent: Uint8Array | undefined;
      if (plannedRoots.has(root)) {
        const raw = await this.#reader.get(root);
        rootContent = this.#cache.get(root) ?? this.#inflate(root, raw, true);
        this.#cache.set(root, rootContent);
      }
      stack.push(root);
      while (stack.length > 0) {
        const node = stack.pop()!;
        const children = this.#children(node);
        if (children.length === 0) continue;
        const base = (node === root ? rootContent : undefined) ?? this.#cache.get(node) ?? (await this.#content(node));
        const type = columns.types[node]!;
        for (const child of children) {
          const delta = this.#store.get(child) ?? this.#inflate(child, await this.#reader.get(child), false);
          const pending = columns.types[child] === 0;
          const result = undelta(type, base, delta, columns.offsets[child]!, this.#maxObjectSize, this.#cache);
          if (pending) {
            columns.bases[child] = node;
            writeFramedObjectId(type, result, this.#ids, child * 20);
            columns.types[child] = type;
            if (++this.resolved % 1024 === 0) onProgress?.(this.resolved);
            if (this.#sharesThread && this.resolved % 64 === 0) await new Promise(setImmediate);
          }
          if (this.#hasChildren(child)) {
            this.#cache.set(child, result);
            stack.push(child);
          }
        }
      }
    }
    onProgress?.(this.resolved);
  }

  /** Releases the zlib state. */
  close(): void {
    this.#inflater.close();
  }

  /** Needed deltas based on resolved entry `node`: OFS children, then REF children by id. */
  #children(node: number): number[] {
    const { refChildren } = this.#forest;
    const children = this.#ofsChildren(node);
    if (refChildren.length > 0) {
      const [first, end] = refChildRange(this.#forest, this.#columns.ids, node * 20);
      for (let k = first; k < end; k++) children.push(refChildren[k]!);
    }
    return children;
  }

  /** Needed OFS deltas based on entry `node`, known whether or not `node` is resolved yet. */
  #ofsChildren(node: number): number[] {
    const { ofsChildStart, ofsChildren, needed } = this.#forest;
    const children: number[] = [];
    for (let k = ofsChildStart[node]!; k < ofsChildStart[node + 1]!; k++) {
      if (needed[ofsChildren[k]!] === 1) children.push(ofsChildren[k]!);
    }
    return children;
  }

  #hasChildren(node: number): boolean {
    const { ofsChildStart, ofsChildren, refChildren, needed } = this.#forest;
    for (let k = ofsChildStart[node]!; k < ofsChildStart[node + 1]!; k++) if (needed[ofsChildren[k]!] === 1) return true;
    return refChildren.length > 0 && refChildRange(this.#forest, this.#columns.ids, node * 20)[0] >= 0;
  }

  /**
   * The order in which {@link resolve} will ask for entries, as far as it is known in advance:
   * each root not cached, then its tree (REF deltas on deltas resolved on the way are not known).
   */
  #plan(roots: ArrayLike<number>): { plan: Int32Array; plannedRoots: Set<number> } {
    const { types } = this.#columns;
    const plan: number[] = [];
    const plannedRoots = new Set<number>();
    const stack: number[] = [];
    for (let r = 0; r < roots.length; r++) {
      const root = roots[r]!;
      if (this.#cache.get(root) === undefined) {
        plan.push(root);
        plannedRoots.add(root);
      }
      stack.push(root);
      while (stack.length > 0) {
        const node = stack.pop()!;
        // An unresolved delta's REF children are not known yet, its OFS children are.
        const children = node !== root && types[node] === 0 ? this.#ofsChildren(node) : this.#children(node);
        for (const child of children) {
          if (this.#store.get(child) === undefined) plan.push(child);
          stack.push(child);
        }
      }
    }
    return { plan: Int32Array.from(plan), plannedRoots };
  }

  /** Rebuilds the content of resolved entry `node` from the stored pack, down from its nearest cached ancestor. */
  async #content(node: number): Promise<Uint8Array> {
    const { bases } = this.#columns;
    const chain = [node];
    let top = node;
    let content: Uint8Array | undefined;
    while (bases[top]! >= 0 && (content = this.#cache.get(top)) === undefined) {
      top = bases[top]!;
      chain.push(top);
    }
    content ??= this.#cache.get(top);
    const toRead = (content === undefined ? chain : chain.slice(0, -1)).filter((i) => this.#store.get(i) === undefined);
    const raws = await this.#reader.readEntries(toRead);
    if (content === undefined) {
      content = this.#inflate(top, raws.get(top)!, true);
      this.#cache.set(top, content);
    }
    for (let k = chain.length - 2; k >= 0; k--) {
      const i = chain[k]!;
      const delta = this.#store.get(i) ?? this.#inflate(i, raws.get(i)!, false);
      content = undelta(this.#columns.types[i]!, content, delta, this.#columns.offsets[i]!, this.#maxObjectSize, this.#cache);
      this.#cache.set(i, content);
    }
    return content;
  }

  /** Inflates entry `i` from its raw bytes, into the cache's space or, for deltas used once, scratch space. */
  #inflate(i: number, raw: Uint8Array, toCache: boolean): Uint8Array {
    const columns = this.#columns;
    const size = columns.sizes[i]!;
    if (size > this.#maxObjectSize) {
      throw new PackError('OBJECT_TOO_LARGE', `object of ${size} bytes is a delta base, over the ${this.#maxObjectSize}-byte limit`, columns.offsets[i]);
    }
    const output = (toCache && this.#cache.allocate(size + 1)) || (toCache ? Buffer.allocUnsafe(size + 1) : this.#scratch.get(size + 1));
    const data = inflateKnown(this.#inflater, raw.subarray(columns.headerLengths[i]!), size, output);
    if (data === undefined) throw new PackError('READ_BACK_MISMATCH', 'entry read back from storage does not inflate as received', columns.offsets[i]);
    return data;
  }
}
