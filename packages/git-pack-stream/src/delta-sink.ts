import type { BudgetShares } from './budget.js';

/** What the stream resolver leaves behind once the pack has streamed in. */
export interface StreamOutcome {
  /** Most bytes the stream's base cache held. */
  peakCacheBytes: number;
  /** Worker threads started. */
  workers: number;
  /** The cache's memory, for the passes to reuse, if it is on this thread. */
  arena: ArrayBuffer | undefined;
}

/**
 * Where the index pipeline hands the objects and OFS deltas it parses while the pack streams in:
 * deltas whose base is still cached are resolved right away, the others kept for the passes.
 * `LocalDeltaSink` does so on this thread, `WorkerDeltaSink` in a worker.
 */
export interface DeltaSink {
  /** A whole non-delta object, entry `index`. */
  object(index: number, type: number, data: Uint8Array, offset: number): void;
  /** An OFS delta, entry `index` at pack offset `offset`, on entry `base`. */
  delta(index: number, base: number, data: Uint8Array, offset: number): void;
  /** The buffer a non-delta object is inflated into, valid until the next entry. */
  allocate(size: number): Buffer;
  /** Between chunks of the stream: a promise to wait for while the sink is too far behind, if it is. */
  pace(): Promise<void> | undefined;
  /** Once the last entry was handed over: waits for what is in flight and stops any worker. */
  finish(): Promise<StreamOutcome>;
  /** Stops any worker at once, after a failure; harmless after {@link finish}. */
  close(): Promise<void>;
}

/** Objects still to come in the pack for a stream worker to be worth starting. */
const MIN_WORKER_OBJECTS = 4096;

/**
 * Whether to move the stream resolver from this thread to a worker now, `parsed` entries of
 * `objectCount` in, with `received` bytes of the pack: only if the budget has room for a worker
 * (`shares.workers`), the pack has outgrown a quarter of the budget, and at least as many objects
 * (some thousands) are still to come as were parsed, so that the worker pays for its start-up.
 */
export function wantsStreamWorker(shares: BudgetShares, budget: number, received: number, parsed: number, objectCount: number): boolean {
  const toCome = objectCount - parsed;
  return shares.workers > 0 && received > budget / 4 && toCome >= MIN_WORKER_OBJECTS && toCome >= parsed;
}
