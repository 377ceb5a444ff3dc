/** How a memory budget is shared out between the parts of the indexer. */
export interface BudgetShares {
  /** Bytes of inflated bases a delta base cache may hold. */
  cacheBytes: number;
  /** Largest object materialized whole (delta bases and results). */
  maxObjectSize: number;
  /** Raw bytes per read-ahead batch. */
  batchBytes: number;
}

/**
 * Splits `budget` between `threads` resolvers: a quarter for their base caches, a sixteenth for
 * their read-ahead (three batches each); the rest is headroom for the runtime and transient
 * buffers. Single objects (a delta's base or result) may take up to half, so that a budget bounds
 * what one delta needs; larger ones are refused as decompression bombs.
 */
export function budgetShares(budget: number, threads: number): BudgetShares {
  return {
    cacheBytes: Math.floor(budget / 4 / threads),
    maxObjectSize: Math.floor(budget / 2),
    batchBytes: Math.max(64 * 1024, Math.floor(budget / 48 / threads)),
  };
}
