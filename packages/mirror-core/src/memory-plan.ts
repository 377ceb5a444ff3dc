const MiB = 1024 * 1024;

/** The default memory budget of one repository (`mirrorRepo`'s `memoryBudget`, `mirrorRepos`' shared one): 128 MiB. */
export const DEFAULT_MEMORY_BUDGET = 128 * MiB;

/**
 * The smallest share a repository starts a pack with. Below it the indexer would need many passes over the stored
 * pack to resolve its deltas; a repository waits for this much to be free rather than start with less.
 */
export const MIN_REPOSITORY_BUDGET = 32 * MiB;

/**
 * Resident memory of a run that is not a pack's: Node, the command's modules, undici's parser and V8's heaps (76 MiB,
 * the peak RSS of an up-to-date run of the built command from smart HTTP into a folder, `/usr/bin/time -v`, Node 20,
 * x64), plus the connection, zlib and thread-pool memory a sync with a pack adds whatever its budget.
 */
export const RUNTIME_COST = 96 * MiB;

/**
 * What the AWS SDK and its client add to {@link RUNTIME_COST}: 11 MiB measured the same way with an `s3://` target,
 * and V8's heap grows by some 20 MiB more while the SDK uploads a pack and reads it back.
 */
export const S3_RUNTIME_COST = 32 * MiB;

/**
 * Every fraction the memory plans split by, named; {@link planProcessMemory}, {@link planRepositoryMemory} and the
 * source's limits (`planSourceLimits`) take their amounts from here and nowhere else.
 */
export const MEMORY_SHARES = {
  /**
   * Of what the runtime leaves under a process ceiling: what repositories are granted. The rest covers what the budget
   * does not see: the allocator's slack around freed buffers (glibc keeps it), V8's heap growth and transient copies.
   * Measured: mirroring a 92 MiB pack under small budgets, peak RSS grew about 2 bytes per byte of pack budget over
   * the idle runtime.
   */
  repositories: 1 / 2,
  /** Of a repository's share: the tee's buffer (up to 2 MiB). */
  tee: 1 / 64,
  /** Of a repository's share: what the pack keeps at least, however much the S3 parts or the write buffer take. */
  packFloor: 1 / 2,
  /** Of what the pack keeps: the in-memory copy of a small pack; the indexer gets the rest. */
  packCopy: 1 / 4,
  /** Of a repository's share: the source's ref listing, while the target's refs live beside it in the other half. */
  sourceRefs: 1 / 2,
} as const;

const PACK_SHARE = MEMORY_SHARES.repositories;

/** The smallest process-wide ceiling: the runtime and one repository at its floor ({@link minimumCeiling} without S3). */
export const MIN_PROCESS_MEMORY = RUNTIME_COST + Math.ceil(MIN_REPOSITORY_BUDGET / PACK_SHARE / MiB) * MiB;

/** Bytes the tee lets upload and indexer drift apart at most. */
const MAX_TEE_BYTES = 2 * MiB;
/** The S3 sink's default and smallest multipart part. */
const S3_PART_SIZE = 5 * MiB;
/** Parts the S3 sink uploads at once by default. */
const S3_QUEUE_SIZE = 2;
/** The folder sink's write buffer (its `writeBufferSize` default), held by the pack's put. */
const FOLDER_WRITE_BUFFER = 1 * MiB;

/** How one repository's share of the budget is spent while its pack streams in. */
export interface RepositoryMemoryPlan {
  /** The share this plan splits. */
  total: number;
  /** Bytes the tee buffers between its two consumers. */
  tee: number;
  /** For an S3 target: multipart part size and parts in flight; the sink holds `partSize × (queueSize + 1)`. */
  upload?: { partSize: number; queueSize: number; bytes: number };
  /** For any other target: the folder sink's write buffer, which gathers the pack's chunks into large writes. */
  writeBuffer?: number;
  /** Largest pack kept in memory for delta resolution (a larger one is read back from the storage). */
  packCopy: number;
  /** The indexer's budget: its caches, delta store, read-ahead and worker threads. */
  indexer: number;
}

/**
 * Splits one repository's share of the memory budget: the tee, the S3 sink's part buffers (one part in flight under
 * small shares, two otherwise, unless `upload` says otherwise) or the folder sink's write buffer, then a quarter of
 * the rest for the in-memory copy of a small pack and the remainder for the indexer. The amounts add up to `total`
 * from {@link MIN_REPOSITORY_BUDGET} up; below it the S3 parts or the write buffer may exceed the share (the pack
 * keeps at least half).
 */
export function planRepositoryMemory(total: number, target: { s3: boolean; upload?: { partSize?: number; queueSize?: number } }): RepositoryMemoryPlan {
  const tee = Math.min(MAX_TEE_BYTES, Math.floor(total * MEMORY_SHARES.tee));
  let upload: RepositoryMemoryPlan['upload'];
  if (target.s3) {
    const partSize = Math.max(S3_PART_SIZE, target.upload?.partSize ?? S3_PART_SIZE);
    const queueSize = Math.max(1, target.upload?.queueSize ?? (total >= 4 * MIN_REPOSITORY_BUDGET ? S3_QUEUE_SIZE : 1));
    upload = { partSize, queueSize, bytes: partSize * (queueSize + 1) };
  }
  // The S3 sink cannot go below two 5 MiB parts; a share too small for them (under the floor: a library caller's)
  // still leaves the pack half of it.
  const writeBuffer = target.s3 ? undefined : FOLDER_WRITE_BUFFER;
  const rest = Math.max(Math.floor(total * MEMORY_SHARES.packFloor), total - tee - (upload?.bytes ?? 0) - (writeBuffer ?? 0));
  const packCopy = Math.floor(rest * MEMORY_SHARES.packCopy);
  return { total, tee, upload, ...(writeBuffer === undefined ? {} : { writeBuffer }), packCopy, indexer: rest - packCopy };
}

/**
 * Splits a process-wide ceiling (`--max-memory`): {@link RUNTIME_COST}, plus {@link S3_RUNTIME_COST} when an `s3://`
 * target may be mirrored, stays with the runtime; half of the rest is what repositories in flight share, and
 * the other half is slack for memory the budget does not see.
 */
export function planProcessMemory(ceiling: number, target: { s3: boolean }): { runtime: number; slack: number; repositories: number } {
  const runtime = RUNTIME_COST + (target.s3 ? S3_RUNTIME_COST : 0);
  const repositories = Math.floor(Math.max(0, ceiling - runtime) * PACK_SHARE);
  return { runtime, slack: Math.max(0, ceiling - runtime - repositories), repositories };
}

/** The smallest ceiling, in whole MiB, under which {@link planProcessMemory} leaves one repository its floor. */
export function minimumCeiling(target: { s3: boolean }): number {
  return planProcessMemory(0, target).runtime + Math.ceil(MIN_REPOSITORY_BUDGET / PACK_SHARE / MiB) * MiB;
}
