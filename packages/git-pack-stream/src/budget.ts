import type { PassLimits } from './pass-resolver.js';

/** How a memory budget is shared out between the parts of the indexer. */
export interface BudgetShares extends PassLimits {
  /** Bytes of inflated objects the base cache of the stream resolver may hold. */
  cacheBytes: number;
  /** Bytes of delta data kept from the stream for the passes. */
  storeBytes: number;
  /** Resolver workers worth starting: each costs {@link WORKER_COST} of memory. */
  workers: number;
  /**
   * Old-generation heap limit of a worker, in MiB: a cap, not a reservation. What the worker holds
   * that grows with the pack is outside its heap (the cache arena, shared memory); a cap near what
   * it uses makes V8 collect from its background compiler threads, racing a terminating isolate.
   */
  workerHeapMiB: number;
}

const MiB = 1024 * 1024;
/** What a worker thread costs in resident memory: its isolate, heap and code. */
export const WORKER_COST = 16 * MiB;
/** Reads back are this large at most: bigger ones save no time against S3, just memory. */
const MAX_READ_SIZE = 16 * MiB;

/**
 * Splits `budget` for `threads` resolving threads. While the pack streams in: a quarter for the
 * stream resolver's base cache (on this thread or moved to a worker), a sixteenth for delta data
 * kept for later. Once it has ended, the stream cache is dropped and the passes take a quarter
 * for the bases they hold, an eighth for each of the two reads they hold at once (up to 16 MiB
 * each) and a thirty-second for deltas met before their base: with the delta data, 19/32 at the
 * most. The rest is headroom for scratch space and the runtime. Single objects (a delta's base,
 * result or instructions) are materialised up to half, so that a budget bounds what one delta
 * needs; larger ones are hashed as they stream, or as they are rebuilt from storage. A worker is started only if the budget has room for its cost
 * twice over, so small budgets stay on the calling thread.
 */
export function budgetShares(budget: number, threads: number): BudgetShares {
  return {
    cacheBytes: Math.floor(budget / 4),
    storeBytes: Math.floor(budget / 16),
    heldBytes: Math.floor(budget / 4),
    readSize: Math.max(64 * 1024, Math.min(MAX_READ_SIZE, Math.floor(budget / 8))),
    stashBytes: Math.floor(budget / 32),
    maxObjectSize: Math.floor(budget / 2),
    workers: threads > 1 && budget >= 2 * WORKER_COST ? 1 : 0,
    workerHeapMiB: Math.max(32, Math.ceil(budget / 8 / MiB)),
  };
}
