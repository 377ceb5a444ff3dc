import { BaseCache } from './base-cache.js';
import type { BudgetShares } from './budget.js';
import type { DeltaSink, StreamOutcome } from './delta-sink.js';
import type { DeltaStore } from './delta-store.js';
import type { LinkSet } from './object-links.js';
import { StreamResolver, type OnDeltaResolved } from './stream-resolver.js';
import { WorkerDeltaSink } from './worker-delta-sink.js';
import type { Scratch } from './scratch.js';

/** A {@link DeltaSink} on this thread: objects are inflated straight into its base cache. */
export class LocalDeltaSink implements DeltaSink {
  readonly #resolver: StreamResolver;
  readonly #store: DeltaStore;
  readonly #shares: BudgetShares;
  readonly #onResolved: OnDeltaResolved;
  readonly #links: LinkSet | undefined;

  /** Deltas it cannot resolve go to `store`; each one resolved is told to `onResolved`, the commits, trees and tags to `links`. */
  constructor(store: DeltaStore, shares: BudgetShares, onResolved: OnDeltaResolved, links: LinkSet | undefined) {
    this.#store = store;
    this.#shares = shares;
    this.#onResolved = onResolved;
    this.#links = links;
    const onObject = links && ((type: number, content: Uint8Array) => links.add(type, content));
    this.#resolver = new StreamResolver(new BaseCache(shares.cacheBytes), store, shares.maxObjectSize, onResolved, undefined, onObject);
  }

  object(index: number, type: number, data: Uint8Array): void {
    this.#resolver.object(index, type, data);
  }

  delta(index: number, base: number, data: Uint8Array, offset: number): void {
    this.#resolver.delta(index, base, data, offset);
  }

  allocate(size: number): Buffer {
    return this.#resolver.cache.allocate(size) ?? Buffer.allocUnsafe(size);
  }

  pace(): undefined {
    return undefined;
  }

  /**
   * Moves the resolver, its cache and what it holds, to a worker, which carries on from here; this
   * sink is not used again. Call between entries, when no view of the cache is in use any more.
   */
  toWorker(scratch: Scratch): WorkerDeltaSink {
    const peakCacheBytes = this.#resolver.cache.peakBytes;
    return new WorkerDeltaSink(this.#resolver.detach(), peakCacheBytes, this.#store, this.#shares, this.#onResolved, this.#links, scratch);
  }

  async finish(): Promise<StreamOutcome> {
    const cache = this.#resolver.cache;
    const peakCacheBytes = cache.peakBytes;
    return { peakCacheBytes, workers: 0, arena: cache.detach().arena };
  }

  async close(): Promise<void> {}
}
