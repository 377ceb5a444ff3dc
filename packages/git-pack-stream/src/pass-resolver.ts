import { applyDeltaInto, readDeltaHeader } from './delta.js';
import { refChildRange, type DeltaForest } from './delta-forest.js';
import type { DeltaStore } from './delta-store.js';
import { PackError } from './errors.js';
import { HeldBases } from './held-bases.js';
import { inflateKnown, Inflater } from './inflater.js';
import { allocateFramedObject, idToHex, writeFramedObjectId } from './object-id.js';
import { NO_BASE, UNKNOWN_BASE, type ObjectColumns } from './object-table.js';
import { objectTypeName, ObjectType } from './object-type.js';
import { PassReader, type ReadBackCounts } from './pass-reads.js';
import type { ReadRange } from './range-reads.js';
import { Scratch } from './scratch.js';
import { hashStoredDelta } from './streaming-delta.js';

/** Memory a {@link PassResolver} may use. */
export interface PassLimits {
  /** Bytes of delta bases held between their uses. */
  heldBytes: number;
  /** Bytes per read; two reads are held at most. */
  readSize: number;
  /** Bytes of delta data kept from a pass for the next, when the delta's base came too late. */
  stashBytes: number;
  /** Largest object materialised; larger ones, and deltas on them, are hashed as they are rebuilt from storage. */
  maxObjectSize: number;
}

/** Told of each commit, tree and tag content materialised for the first time. */
export type OnObject = (type: number, content: Uint8Array) => void;

/** Entries processed between yields to the event loop (and checks of the abort signal). */
const YIELD_EVERY = 256;
/** Bounds of the window each level of a rebuilt chain keeps: a quarter of a read. */
const MIN_WINDOW = 64 * 1024;
const MAX_WINDOW = 1024 * 1024;

// Where each entry stands in the current pass.
const NOT_PLANNED = 0;
const PLANNED = 1;
const DEFERRED = 2;
const MATERIALISED = 3;

interface Frame {
  entry: number;
  /** Children whose data is at hand, to resolve right away. */
  now: number[];
  next: number;
}

/** Children of a held base still to come in this pass, and the first deferred to the next. */
interface Waiting {
  ahead: number[];
  next: number;
  deferred: number;
}

/**
 * Resolves what the stream left of a {@link DeltaForest} in passes over the stored pack, each in
 * pack order and read in a few large ranges. A pass plans every entry not materialised yet, and
 * for those whose base is known, the chain of bases up to one held or a non-delta root. Walking
 * the plan, a root is inflated, a delta whose base is held is applied, and anything else waits
 * for the next pass. A base is held only while children of it are still to come (exact counts
 * from the forest), and evicted, when room runs out, by next use ({@link HeldBases}). Deltas
 * whose data is at hand (in the {@link DeltaStore}, or stashed when met before their base) are
 * resolved as soon as their base is. Every pass materialises something new or ends the run.
 *
 * Entries over the object limit (a whole object, a delta's instructions or its result) are never
 * materialised: once its base is resolved, such a delta, and any delta on it, gets its id from
 * {@link hashStoredDelta}, which rebuilds its chain from storage through small windows.
 */
export class PassResolver {
  /** Deltas resolved. */
  resolved = 0;
  readonly counts: ReadBackCounts = { requests: 0, bytes: 0, passes: 0 };
  readonly #columns: ObjectColumns;
  readonly #forest: DeltaForest;
  readonly #store: DeltaStore;
  readonly #read: ReadRange;
  readonly #limits: PassLimits;
  readonly #signal: AbortSignal | undefined;
  readonly #onObject: OnObject | undefined;
  /** Whole objects streamed by without their content, shown to `onObject` when materialised (they must be `needed`). */
  readonly #linkEntries: Set<number> | undefined;
  readonly #held: HeldBases;
  readonly #ids: Buffer;
  /** 1 once an entry's content has been made in some pass. */
  readonly #materialised: Uint8Array;
  /** 1 for an entry over the object limit, or a delta on one: its content is only ever streamed. */
  readonly #streamed: Uint8Array;
  readonly #streamRead: ReadRange;
  readonly #window: number;
  readonly #state: Uint8Array;
  readonly #waiting = new Map<number, Waiting>();
  readonly #stash = new Map<number, Uint8Array>();
  #stashed = 0;
  readonly #inflater = new Inflater();
  readonly #deltaScratch = new Scratch();
  readonly #resultScratch = new Scratch();
  #steps = 0;
  #onProgress: ((resolved: number) => void) | undefined;

  /**
   * `onObject` is shown the commits, trees and tags materialised for the first time, and the whole
   * objects in `linkEntries` (which must be `needed` in the forest); `arena`, memory no longer in
   * use (the stream cache's), is where bases are held.
   */
  constructor(
    columns: ObjectColumns,
    forest: DeltaForest,
    store: DeltaStore,
    read: ReadRange,
    limits: PassLimits,
    options: { signal?: AbortSignal; onObject?: OnObject; linkEntries?: Set<number>; arena?: ArrayBuffer } = {},
  ) {
    this.#linkEntries = options.linkEntries;
    this.#columns = columns;
    this.#forest = forest;
    this.#store = store;
    this.#read = read;
    this.#limits = limits;
    this.#signal = options.signal;
    this.#onObject = options.onObject;
    this.#held = new HeldBases(limits.heldBytes, options.arena);
    this.#ids = Buffer.from(columns.ids.buffer, columns.ids.byteOffset, columns.ids.byteLength);
    this.#materialised = new Uint8Array(columns.count);
    this.#state = new Uint8Array(columns.count);
    this.#streamed = new Uint8Array(columns.count);
    for (let i = 0; i < columns.count; i++) if (columns.sizes[i]! > limits.maxObjectSize) this.#streamed[i] = 1;
    this.#window = Math.max(MIN_WINDOW, Math.min(MAX_WINDOW, Math.floor(limits.readSize / 4)));
    this.#streamRead = async (offset, length) => {
      this.counts.requests++;
      const bytes = await read(offset, length);
      this.counts.bytes += bytes.length;
      return bytes;
    };
  }

  /** Most bytes of bases held at once. */
  get peakHeldBytes(): number {
    return this.#held.peakBytes;
  }

  /**
   * Resolves every delta that can be. Leaves those whose base is not in the pack unresolved (the
   * caller reports them); throws `UNRESOLVED_DELTAS` if the rest cannot be within the limits.
   */
  async resolve(onProgress?: (resolved: number) => void): Promise<void> {
    this.#onProgress = onProgress;
    // Whole objects over the limit were hashed as they streamed in: they count as made, their REF children claimed.
    const { count, bases } = this.#columns;
    for (let i = 0; i < count; i++) if (this.#streamed[i] === 1 && bases[i] === NO_BASE && this.#forest.needed[i] === 1) this.#markMaterialised(i);
    try {
      for (let pass = 0; ; pass++) {
        const plan = this.#plan(pass === 0);
        if (plan.length === 0) break;
        const before = this.resolved + this.#materialisedCount;
        await this.#pass(plan);
        if (this.resolved + this.#materialisedCount === before) {
          this.#stuck();
          break;
        }
      }
    } finally {
      this.#inflater.close();
    }
    onProgress?.(this.resolved);
  }

  #materialisedCount = 0;

  /**
   * The entries of the next pass, in pack order: those needed and not materialised yet (in later
   * passes, only those whose base is known by now), each with its chain of bases up to a held one.
   */
  #plan(first: boolean): Int32Array {
    const { count, bases } = this.#columns;
    const { needed } = this.#forest;
    const state = this.#state;
    state.fill(NOT_PLANNED);
    const plan: number[] = [];
    for (let i = 0; i < count; i++) {
      if (needed[i] === 0 || this.#materialised[i] === 1 || state[i] !== NOT_PLANNED) continue;
      if (!first && bases[i] === UNKNOWN_BASE) continue;
      state[i] = PLANNED;
      plan.push(i);
      for (let base = bases[i]!; base >= 0 && state[base] === NOT_PLANNED && !this.#held.has(base) && !this.#streamedReady(base); base = bases[base]!) {
        state[base] = PLANNED;
        plan.push(base);
      }
    }
    plan.sort((a, b) => a - b);
    this.#waiting.clear();
    for (const index of this.#held.indices()) {
      const ahead = this.#children(index).filter((child) => state[child] === PLANNED);
      if (ahead.length === 0) this.#held.release(index);
      else {
        this.#waiting.set(index, { ahead, next: 0, deferred: -1 });
        this.#held.setKey(index, ahead[0]!);
      }
    }
    return Int32Array.from(plan);
  }

  async #pass(plan: Int32Array): Promise<void> {
    const columns = this.#columns;
    const { bases, types } = columns;
    const toRead = plan.filter((i) => this.#streamed[i] === 0 && this.#dataAtHand(i) === undefined);
    if (toRead.length > 0) this.counts.passes++;
    const reader = new PassReader(this.#read, columns, toRead, this.#limits.readSize, this.counts);
    for (const i of plan) {
      await this.#tick();
      const state = this.#state[i]!;
      // Resolved out of turn, as soon as its base was.
      if (state === MATERIALISED) continue;
      const base = bases[i]!;
      if (this.#streamed[i] === 1 || (base >= 0 && this.#streamed[base] === 1)) {
        if (base >= 0 && types[base] !== 0) await this.#resolveStreamed(i);
        else this.#state[i] = DEFERRED;
        continue;
      }
      const atHand = this.#dataAtHand(i);
      const raw = atHand === undefined ? await reader.raw(i) : undefined;
      if (base === NO_BASE) {
        await this.#settle(i, this.#inflate(i, raw!, this.#resultScratch));
        continue;
      }
      const delta = atHand ?? this.#inflate(i, raw!, this.#deltaScratch);
      if (base >= 0 && types[base] !== 0 && this.#overLimit(i, delta)) {
        await this.#resolveStreamed(i, delta);
        continue;
      }
      const baseContent = base >= 0 ? this.#held.get(base) : undefined;
      if (baseContent === undefined) {
        this.#state[i] = DEFERRED;
        if (atHand === undefined) this.#stashCopy(i, delta);
        continue;
      }
      await this.#settle(i, this.#apply(i, base, baseContent, delta), base);
    }
  }

  /**
   * Records entry `i`, just materialised as `content` (valid until the next one), then resolves
   * at once its children whose data is at hand, depth first; holds whichever still has children
   * to come.
   */
  async #settle(i: number, content: Uint8Array, base = NO_BASE): Promise<void> {
    const frames: Frame[] = [];
    const enter = (entry: number, entryContent: Uint8Array, entryBase = NO_BASE) => {
      this.#record(entry, entryContent);
      // A base done with is released first, leaving its room to the entry: a chain of big versions holds one at a time.
      if (entryBase >= 0) this.#passed(entryBase);
      const frame = this.#hold(entry, entryContent);
      if (frame !== undefined) frames.push(frame);
    };
    enter(i, content, base);
    while (frames.length > 0) {
      const frame = frames.at(-1)!;
      if (frame.next === frame.now.length) {
        frames.pop();
        this.#passed(frame.entry, true);
        continue;
      }
      const child = frame.now[frame.next++]!;
      await this.#tick();
      const delta = this.#dataAtHand(child)!;
      if (this.#overLimit(child, delta)) await this.#resolveStreamed(child, delta);
      else enter(child, this.#apply(child, frame.entry, this.#held.get(frame.entry)!, delta));
    }
  }

  /** Marks entry `i` materialised: records the type and id of a delta resolved now, claims its REF children. */
  #record(i: number, content: Uint8Array): void {
    const { types, bases } = this.#columns;
    if (types[i] === 0) {
      const type = types[bases[i]!]!;
      writeFramedObjectId(type, content, this.#ids, i * 20);
      this.#resolvedAs(i, type);
      if (type !== ObjectType.blob) this.#onObject?.(type, content);
    } else if (this.#linkEntries?.delete(i)) {
      this.#onObject?.(types[i]!, content);
    }
    this.#markMaterialised(i);
  }

  #resolvedAs(i: number, type: number): void {
    this.#columns.types[i] = type;
    if (++this.resolved % 1024 === 0) this.#onProgress?.(this.resolved);
  }

  /** Entry `i` is made (held or streamed): it leaves the stash, and the REF deltas on its id are claimed. */
  #markMaterialised(i: number): void {
    const { bases, offsets } = this.#columns;
    if (this.#materialised[i] === 0) {
      this.#materialised[i] = 1;
      this.#materialisedCount++;
    }
    this.#state[i] = MATERIALISED;
    this.#stashed -= this.#stash.get(i)?.length ?? 0;
    this.#stash.delete(i);
    const { refChildren } = this.#forest;
    if (refChildren.length === 0) return;
    const [first, end] = refChildRange(this.#forest, this.#columns.ids, i * 20);
    for (let k = first; k < end; k++) {
      const child = refChildren[k]!;
      if (bases[child] === UNKNOWN_BASE) bases[child] = i;
      else if (bases[child] !== i) {
        // Another entry with this id was a base already: git refuses such a pack the same way.
        throw new PackError(
          'DUPLICATE_OBJECT',
          `REF delta already resolved: its base ${idToHex(this.#columns.ids, i * 20)} appears twice in the pack`,
          offsets[child],
        );
      }
    }
  }

  /**
   * Holds entry `i` if children of it are still to come, now, later in this pass or in the next;
   * returns the children to resolve right away, if held.
   */
  #hold(i: number, content: Uint8Array): Frame | undefined {
    const state = this.#state;
    const ahead: number[] = [];
    const now: number[] = [];
    let deferred = -1;
    for (const child of this.#children(i)) {
      const childState = state[child]!;
      if (childState === PLANNED) ahead.push(child);
      else if (childState === MATERIALISED || (childState === NOT_PLANNED && this.#materialised[child] === 1)) continue;
      else if (this.#dataAtHand(child) !== undefined) now.push(child);
      else if (deferred < 0) deferred = child;
    }
    if (ahead.length === 0 && now.length === 0 && deferred < 0) return undefined;
    const key = now.length > 0 ? i : ahead.length > 0 ? ahead[0]! : this.#columns.count + deferred;
    if (!this.#held.hold(i, content, key)) return undefined;
    this.#waiting.set(i, { ahead, next: 0, deferred });
    return now.length > 0 ? { entry: i, now, next: 0 } : undefined;
  }

  /** A child of held base `base` was materialised (or, with `rekey`, its children at hand were): moves its key on or releases it. */
  #passed(base: number, rekey = false): void {
    const waiting = this.#waiting.get(base);
    if (waiting === undefined || !this.#held.has(base)) return;
    const { ahead } = waiting;
    const before = waiting.next;
    while (waiting.next < ahead.length && this.#state[ahead[waiting.next]!] !== PLANNED) waiting.next++;
    if (waiting.next === before && !rekey) return;
    if (waiting.next < ahead.length) this.#held.setKey(base, ahead[waiting.next]!);
    else if (waiting.deferred >= 0) this.#held.setKey(base, this.#columns.count + waiting.deferred);
    else {
      this.#held.release(base);
      this.#waiting.delete(base);
    }
  }

  /** Needed children of entry `i`, in pack order: OFS deltas on it, and the REF deltas it was claimed as base of. */
  #children(i: number): number[] {
    const { ofsChildStart, ofsChildren, refChildren, needed } = this.#forest;
    const { bases, ids } = this.#columns;
    const children: number[] = [];
    for (let k = ofsChildStart[i]!; k < ofsChildStart[i + 1]!; k++) if (needed[ofsChildren[k]!] === 1) children.push(ofsChildren[k]!);
    if (refChildren.length === 0) return children;
    const [first, end] = refChildRange(this.#forest, ids, i * 20);
    if (first < 0) return children;
    for (let k = first; k < end; k++) if (bases[refChildren[k]!] === i) children.push(refChildren[k]!);
    return children.sort((a, b) => a - b);
  }

  /** The delta data of entry `i` kept in memory, if any. */
  #dataAtHand(i: number): Uint8Array | undefined {
    return this.#columns.bases[i] === NO_BASE ? undefined : (this.#store.get(i) ?? this.#stash.get(i));
  }

  #stashCopy(i: number, delta: Uint8Array): void {
    if (this.#stash.has(i) || this.#stashed + delta.length > this.#limits.stashBytes) return;
    this.#stash.set(i, Uint8Array.prototype.slice.call(delta));
    this.#stashed += delta.length;
  }

  /** A streamed entry whose type is known: deltas on it are streamed as soon as they are met. */
  #streamedReady(i: number): boolean {
    return this.#streamed[i] === 1 && this.#columns.types[i] !== 0;
  }

  /** Whether delta entry `i`, whose instructions are `delta`, declares a result over the object limit. */
  #overLimit(i: number, delta: Uint8Array): boolean {
    return readDeltaHeader(delta, this.#columns.offsets[i]).resultSize > this.#limits.maxObjectSize;
  }

  /**
   * Records delta entry `i` (instructions `delta` if at hand), whose base is resolved, and its
   * children that cannot wait for their turn in the pass, hashing each as it is rebuilt from
   * storage: they are over the object limit or lie on an entry that is. A commit, tree or tag among
   * them cannot be parsed for its links, and is refused.
   */
  async #resolveStreamed(i: number, delta?: Uint8Array): Promise<void> {
    const { types, bases, offsets } = this.#columns;
    const options = {
      window: this.#window,
      contentAt: (j: number) => this.#held.get(j),
      deltaAt: (j: number) => (j === i && delta !== undefined ? delta : this.#dataAtHand(j)),
    };
    const todo = [i];
    while (todo.length > 0) {
      const j = todo.pop()!;
      await this.#tick();
      const baseType = types[bases[j]!]!;
      if (baseType !== ObjectType.blob && this.#onObject !== undefined) throw linkedTooLarge(baseType, this.#limits.maxObjectSize, offsets[j]!);
      const { id, type } = await hashStoredDelta(this.#streamRead, this.#columns, j, options);
      this.#streamed[j] = 1;
      this.#ids.set(id, j * 20);
      this.#resolvedAs(j, type);
      this.#markMaterialised(j);
      this.#passed(bases[j]!);
      for (const child of this.#children(j)) {
        const childState = this.#state[child]!;
        if (childState !== PLANNED && childState !== MATERIALISED && this.#materialised[child] === 0 && types[child] === 0) todo.push(child);
      }
    }
  }

  /** Applies delta entry `i` to `baseContent` (entry `base`), into scratch space framed for hashing. */
  #apply(i: number, base: number, baseContent: Uint8Array, delta: Uint8Array): Uint8Array {
    const offset = this.#columns.offsets[i]!;
    const header = readDeltaHeader(delta, offset);
    const target = allocateFramedObject(this.#columns.types[base]!, header.resultSize, (length) => this.#resultScratch.get(length));
    return applyDeltaInto(baseContent, delta, header, target, offset);
  }

  #inflate(i: number, raw: Uint8Array, scratch: Scratch): Uint8Array {
    const columns = this.#columns;
    const size = columns.sizes[i]!;
    const data = inflateKnown(this.#inflater, raw.subarray(columns.headerLengths[i]!), size, scratch.get(size + 1));
    if (data === undefined) throw new PackError('READ_BACK_MISMATCH', 'entry read back from storage does not inflate as received', columns.offsets[i]);
    return data;
  }

  async #tick(): Promise<void> {
    if (++this.#steps % YIELD_EVERY !== 0) return;
    await new Promise(setImmediate);
    this.#signal?.throwIfAborted();
  }

  /** A pass made no progress: fails if deltas with a base in the pack are left, as only the limits can stop those. */
  #stuck(): void {
    const { types, bases, offsets, count } = this.#columns;
    for (let i = 0; i < count; i++) {
      if (types[i] === 0 && bases[i] !== UNKNOWN_BASE) {
        throw new PackError('UNRESOLVED_DELTAS', 'deltas left unresolved: their bases do not fit the memory budget together', offsets[i]);
      }
    }
  }
}

/**
 * The error for a commit, tree or tag whose links are to be collected but whose content is over
 * the object limit (or built on one that is): such objects are refused rather than parsed in
 * pieces, as git's commits and trees stay far below any workable budget.
 */
export function linkedTooLarge(type: number, maxObjectSize: number, offset: number): PackError {
  return new PackError(
    'LINKED_OBJECT_TOO_LARGE',
    `a ${objectTypeName(type)} over the ${maxObjectSize}-byte object limit (or a delta on one) cannot be parsed for its links; raise the memory budget`,
    offset,
  );
}
