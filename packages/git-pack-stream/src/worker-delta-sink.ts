import type { BaseCacheState } from './base-cache.js';
import type { BudgetShares } from './budget.js';
import type { DeltaSink, StreamOutcome } from './delta-sink.js';
import type { DeltaStore } from './delta-store.js';
import { EntryBatchWriter } from './entry-batch.js';
import type { LinkSet } from './object-links.js';
import type { Scratch } from './scratch.js';
import type { OnDeltaResolved } from './stream-resolver.js';
import { ResolverPool } from './worker-pool.js';

/** Entry batches queued for the stream worker before parsing waits for it. */
const MAX_BATCHES_IN_FLIGHT = 4;

/**
 * A {@link DeltaSink} in a worker thread, fed with batches of entries, while this thread parses
 * and inflates. It carries on with the cache of a {@link LocalDeltaSink} (see its `toWorker`).
 */
export class WorkerDeltaSink implements DeltaSink {
  readonly #pool: ResolverPool;
  readonly #batch: EntryBatchWriter;
  readonly #links: LinkSet | undefined;
  readonly #scratch: Scratch;
  /** Most bytes the cache held on this thread, before the worker took it. */
  readonly #peakBeforeWorker: number;

  /** Starts the worker with `handover`; see {@link LocalDeltaSink} for the other parameters. */
  constructor(
    handover: { cache: BaseCacheState; types: Uint8Array },
    peakBeforeWorker: number,
    store: DeltaStore,
    shares: BudgetShares,
    onResolved: OnDeltaResolved,
    links: LinkSet | undefined,
    scratch: Scratch,
  ) {
    this.#peakBeforeWorker = peakBeforeWorker;
    this.#links = links;
    this.#scratch = scratch;
    const pool = (this.#pool = new ResolverPool(store, shares.workerHeapMiB));
    pool.startStreaming(handover, shares.maxObjectSize, links !== undefined, (indices, types, ids, data) => {
      for (let k = 0; k < indices.length; k++) onResolved(indices[k]!, types[k]!, ids.subarray(k * 20, k * 20 + 20));
      this.#batch.recycle(data);
    });
    this.#batch = new EntryBatchWriter((entries) => pool.stream(entries));
  }

  object(index: number, type: number, data: Uint8Array, offset: number): void {
    this.#batch.add(index, type, -1, offset, data);
  }

  delta(index: number, base: number, data: Uint8Array, offset: number): void {
    this.#batch.add(index, 0, base, offset, data);
  }

  /** Objects are copied into a batch, so any buffer will do until the next entry. */
  allocate(size: number): Buffer {
    return this.#scratch.get(size);
  }

  pace(): Promise<void> {
    this.#batch.flush();
    return this.#pool.settle(MAX_BATCHES_IN_FLIGHT);
  }

  async finish(): Promise<StreamOutcome> {
    this.#batch.flush();
    await this.#pool.settle();
    if (this.#links !== undefined) this.#links.addIds(await this.#pool.streamLinks());
    const outcome = { peakCacheBytes: Math.max(this.#peakBeforeWorker, this.#pool.streamPeakCacheBytes), workers: this.#pool.workers, arena: undefined };
    // The worker's exit frees the cache's memory for the passes.
    await this.#pool.close(true);
    return outcome;
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
