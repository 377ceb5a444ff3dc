import { listingLimitsFor } from '@gitmirror/git-pktline';
import { MEMORY_SHARES } from '../memory-plan.js';

const MiB = 1024 * 1024;

/**
 * Share of memory a transport derives its limits from when it is given none: 128 MiB, `mirrorRepo`'s default
 * `memoryBudget`.
 */
export const DEFAULT_SOURCE_SHARE = 128 * MiB;

/**
 * Peak resident memory indexing a pack costs per object beyond the indexer's budget: 150 bytes. git-pack-stream's
 * object table keeps 46 (offsets, sizes, CRCs, ids, types, bases); the columns it outgrew live on until collected, and
 * the .idx is built at the end. Measured: indexing packs of tiny blobs under a 32 MiB budget grew RSS by 143 bytes an
 * object at 1.6M objects (`node tools/bench/index-objects-rss.mjs`).
 */
export const INDEX_BYTES_PER_OBJECT = 150;

/** What a source may make one repository hold, as derived by {@link planSourceLimits}. */
export interface SourceLimits {
  /** Most refs the source's listing may hold. */
  maxRefs: number;
  /** Most bytes the source's listing may take. */
  maxAdvertisementBytes: number;
  /** Most objects a fetched pack may declare. */
  maxPackObjects: number;
}

/**
 * Limits that keep what a source lists and sends within a repository's `share` of memory (its `memoryBudget`):
 *
 * - Refs: while a sync plans, the source's parsed refs and the target's live together, so each side gets half the
 *   share. A source ref costs 133 bytes of heap plus its pkt-line (219 bytes with 40-character names; git-pktline's
 *   `PARSED_REF_OVERHEAD`), the same once the transport has made it a mirror ref; a target ref costs 115 bytes plus
 *   its `info/refs` line, whose text the sync keeps (197 bytes with 40-character names; Node 20, x64, `heapUsed`
 *   after a full GC, 200,000 refs; `node tools/bench/ref-heap.mjs`). `maxRefs` and `maxAdvertisementBytes` are git-pktline's `listingLimitsFor` half
 *   the share, never below 100,000 refs: 153,216 refs and 13.2 MB for a 64 MiB share.
 * - Objects: a pack may declare as many objects as the share holds at {@link INDEX_BYTES_PER_OBJECT} each (the
 *   process plan's slack covers them beside the indexer's caches): 447,392 objects for 64 MiB.
 */
export function planSourceLimits(share: number): SourceLimits {
  const listing = listingLimitsFor(share * MEMORY_SHARES.sourceRefs);
  return {
    maxRefs: listing.maxRefs,
    maxAdvertisementBytes: listing.maxBytes,
    maxPackObjects: Math.floor(share / INDEX_BYTES_PER_OBJECT),
  };
}

/** The share, for messages: whole MiB. */
export function formatShare(share: number): string {
  return `${Math.round(share / MiB)} MiB`;
}
