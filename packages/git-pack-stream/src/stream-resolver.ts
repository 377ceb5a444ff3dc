import type { BaseCache, BaseCacheState } from './base-cache.js';
import { readDeltaHeader } from './delta.js';
import { undelta } from './delta-resolver.js';
import type { DeltaStore } from './delta-store.js';
import { ObjectType } from './object-type.js';
import { writeFramedObjectId } from './object-id.js';
import type { OnObject } from './pass-resolver.js';

/** Told the type and id of each delta resolved; `id` is reused, valid during the call only. */
export type OnDeltaResolved = (index: number, type: number, id: Uint8Array) => void;

/**
 * Resolves OFS deltas while the pack streams in, when their base is among the recent objects it
 * caches. Runs on the main thread, or in a worker fed with entry batches.
 */
export class StreamResolver {
  readonly cache: BaseCache;
  readonly #maxObjectSize: number;
  readonly #onResolved: OnDeltaResolved;
  /** Object type of each cached entry. */
  #types: Uint8Array = new Uint8Array(1024);

  readonly #store: DeltaStore;
  readonly #id = Buffer.alloc(20);
  readonly #onObject: OnObject | undefined;

  /**
   * Deltas whose base is not cached go to `store`, for later. `types` carries on from a
   * {@link StreamResolver.detach}. `onObject` is shown each commit, tree and tag resolved.
   */
  constructor(cache: BaseCache, store: DeltaStore, maxObjectSize: number, onResolved: OnDeltaResolved, types?: Uint8Array, onObject?: OnObject) {
    this.cache = cache;
    this.#store = store;
    this.#onObject = onObject;
    if (types) this.#types = types;
    this.#maxObjectSize = maxObjectSize;
    this.#onResolved = onResolved;
  }

  /** Caches non-delta object `index`: in place if `data` is the cache's latest allocation, else as a copy. */
  object(index: number, type: number, data: Uint8Array): void {
    this.#setType(index, type);
    if (!this.cache.set(index, data)) this.cache.setCopy(index, data);
  }

  /**
   * Resolves delta `index` (at pack offset `offset`) on entry `base` if that is cached and the
   * result within the object limit, else keeps it in the store if there is room: the passes
   * resolve it, streaming a result over the limit.
   */
  delta(index: number, base: number, delta: Uint8Array, offset: number): void {
    const content = this.cache.get(base);
    const header = content === undefined ? undefined : readDeltaHeader(delta, offset);
    if (header === undefined || header.resultSize > this.#maxObjectSize) {
      this.#store.add(index, delta);
      return;
    }
    const type = this.#types[base]!;
    const result = undelta(type, content!, delta, header, offset, this.cache);
    this.#setType(index, type);
    this.cache.set(index, result);
    writeFramedObjectId(type, result, this.#id, 0);
    if (type !== ObjectType.blob) this.#onObject?.(type, result);
    this.#onResolved(index, type, this.#id);
  }

  /** Hands the cache and the types of what it holds over, for a resolver in another thread to carry on with. */
  detach(): { cache: BaseCacheState; types: Uint8Array } {
    return { cache: this.cache.detach(), types: this.#types };
  }

  #setType(index: number, type: number): void {
    if (index >= this.#types.length) {
      const types = new Uint8Array(Math.max(index + 1, this.#types.length * 2));
      types.set(this.#types);
      this.#types = types;
    }
    this.#types[index] = type;
  }
}
