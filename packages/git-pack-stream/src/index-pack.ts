import { availableParallelism } from 'node:os';
import { budgetShares } from './budget.js';
import { iterateBytes, type ByteSource } from './byte-source.js';
import { buildDeltaForest, RefDeltaList, type DeltaForest } from './delta-forest.js';
import type { ReadBackCounts } from './pass-reads.js';
import { externalLinks, LinkSet } from './object-links.js';
import { linkedTooLarge, PassResolver } from './pass-resolver.js';
import type { ReadRange } from './range-reads.js';
import { PackError } from './errors.js';
import { encodeIdxV2, sortByIds } from './idx-writer.js';
import { idToHex } from './object-id.js';
import { ObjectType } from './object-type.js';
import { ObjectTable, UNKNOWN_BASE, type ObjectColumns } from './object-table.js';
import { PackParser, type PackEntry, type PackSummary } from './pack-parser.js';
import { DeltaStore } from './delta-store.js';
import { wantsStreamWorker, type DeltaSink } from './delta-sink.js';
import { LocalDeltaSink } from './local-delta-sink.js';
import { Scratch } from './scratch.js';

/** Progress of {@link indexPack}. */
export interface IndexPackProgress {
  phase: 'receiving' | 'resolving';
  /** Entries parsed. */
  objects: number;
  /** Entries the pack header declares (0 until known). */
  totalObjects: number;
  /** Pack bytes received. */
  bytes: number;
  deltasResolved: number;
  /** Deltas met so far. */
  totalDeltas: number;
}

/** Options of {@link indexPack}. */
export interface IndexPackOptions {
  /** The raw pack bytes. */
  source: ByteSource;
  /** Reads back the stored pack; called only after `source` has been fully consumed. */
  read: ReadRange;
  /**
   * Bytes the indexer may allocate for what grows with the pack: base caches, kept delta data,
   * read-back buffers, resolver workers. Per-object metadata (46 bytes an object) comes on top.
   * Default 128 MiB.
   */
  memoryBudget?: number;
  /**
   * Threads that may resolve deltas; 0 or 1 keeps everything on the calling thread. A worker is
   * started only under a budget of 32 MiB or more, once the pack outgrows a quarter of it, and if
   * at least as many objects (4096 at least) are still to come as were parsed. Default
   * `os.availableParallelism()`.
   */
  threads?: number;
  onProgress?: (progress: IndexPackProgress) => void;
  signal?: AbortSignal;
  /** Offsets above this go to the 8-byte table of the .idx, like `git index-pack --index-version=2,<limit>`. */
  largeOffsetThreshold?: number;
  /**
   * Lists the objects the pack's commits, trees and tags link to but the pack lacks, in
   * `links.external`, for a connectivity check. Each of those objects is parsed once, on
   * whichever thread materialises it; one held whole by none (streamed by for its size) is read
   * back in the passes. Malformed ones fail with `BAD_OBJECT`, as git's parsers refuse them; one
   * over half the budget (or a delta on one) with `LINKED_OBJECT_TOO_LARGE`, as it cannot be held.
   */
  collectLinks?: boolean;
}

/** What {@link indexPack} found. */
export interface IndexPackResult {
  /** The version-2 .idx, byte-identical to `git index-pack`'s. */
  idx: Uint8Array;
  /** 40 hex: the pack trailer, which names the pack. */
  packChecksum: string;
  objectCount: number;
  /** Object ids in ascending order, 40 hex each; made on first access (from the .idx). */
  ids: string[];
  /** Bytes in the pack, trailer included. */
  packSize: number;
  /** Memory accounting, for tests and benchmarks. */
  stats: IndexPackStats;
  /** What reading the stored pack back cost, once the stream had ended; zeros if nothing was read. */
  readBack: ReadBackCounts;
  /** With `collectLinks`: the ids (20 bytes each, ascending, distinct) the pack's objects link to but it does not hold. */
  links?: { external: Uint8Array };
}

/** Where the memory budget went. */
export interface IndexPackStats {
  /** Most bytes held by a delta base cache: the stream's, or the bases held by the passes after it. */
  peakCacheBytes: number;
  /** Deltas resolved while the pack streamed in. */
  deltasResolvedWhileReceiving: number;
  /** Worker threads started. */
  workers: number;
}

const DEFAULT_MEMORY_BUDGET = 128 * 1024 * 1024;
/** Entries the table makes room for at once, however many the pack header declares. */
const MAX_RESERVED_ENTRIES = 1 << 17;

/**
 * Indexes a pack as it streams in: parses and inflates every entry, resolves deltas (those whose
 * base is still cached right away, the rest once the stream has ended, from `read`), and writes the
 * version-2 .idx that `git index-pack` would. Objects of any size are taken: those over half the
 * budget are hashed as they stream, or as they are rebuilt from `read`, never held. Throws a
 * {@link PackError} for malformed or thin packs.
 */
export async function indexPack(options: IndexPackOptions): Promise<IndexPackResult> {
  options.signal?.throwIfAborted();
  const links = options.collectLinks ? new LinkSet() : undefined;
  // Resolution's memory (caches, the forest, the object table's other columns) is unreachable once
  // indexEntries returns, before the .idx is sorted and written.
  const indexed = await indexEntries(options, links);
  return finish(indexed, options.largeOffsetThreshold, links);
}

/** The columns an .idx is written from, with what the stream and the passes found. */
interface IndexedEntries {
  columns: Pick<ObjectColumns, 'count' | 'ids' | 'offsets' | 'crc32s'>;
  summary: PackSummary;
  readBack: ReadBackCounts;
  stats: IndexPackStats;
}

/** Parses, inflates and resolves every entry of the pack: everything {@link indexPack} does before the .idx. */
async function indexEntries(options: IndexPackOptions, links: LinkSet | undefined): Promise<IndexedEntries> {
  const { read, onProgress, signal } = options;
  const budget = options.memoryBudget ?? DEFAULT_MEMORY_BUDGET;
  const threads = Math.max(1, Math.floor(options.threads ?? availableParallelism()));
  const onObject = links && ((type: number, content: Uint8Array) => links.add(type, content));
  /** Commits, trees and tags too large to be handed over whole: their links are read in the passes. */
  const linkEntries = new Set<number>();
  const table = new ObjectTable(4096);
  const refs = new RefDeltaList();
  const scratch = new Scratch();
  let totalDeltas = 0;
  let resolvedWhileReceiving = 0;
  const onStreamResolved = (i: number, type: number, id: Uint8Array) => {
    table.resolve(i, type, id);
    resolvedWhileReceiving++;
  };

  // Deltas whose base is still cached are resolved as they arrive, by the sink: on this thread at
  // first, then, once wantsStreamWorker says so, in a worker carrying on with this thread's cache
  // while this thread parses and inflates. The rest is resolved here once the stream has ended, in
  // passes over the stored pack whose reads must stay few and sequential.
  const shares = budgetShares(budget, threads);
  const store = new DeltaStore(shares.storeBytes);
  const local = new LocalDeltaSink(store, shares, onStreamResolved, links);
  let sink: DeltaSink = local;

  const onEntry = (entry: PackEntry, objectCount: number) => {
    if (entry.index === 0) table.reserve(Math.min(objectCount, MAX_RESERVED_ENTRIES), objectCount);
    const i = table.add(entry.offset, entry.headerLength, entry.size, entry.crc32);
    if (entry.id !== undefined) {
      table.resolve(i, entry.type, entry.id);
      if (links !== undefined && entry.type !== ObjectType.blob) {
        if (entry.size > shares.maxObjectSize) throw linkedTooLarge(entry.type, shares.maxObjectSize, entry.offset);
        if (entry.data === undefined) linkEntries.add(i);
        else links.add(entry.type, entry.data);
      }
      if (entry.data !== undefined) sink.object(i, entry.type, entry.data, entry.offset);
      return;
    }
    totalDeltas++;
    if (entry.type === ObjectType.refDelta) {
      table.bases[i] = UNKNOWN_BASE;
      refs.add(i, entry.baseId!);
      if (entry.data !== undefined) store.add(i, entry.data);
      return;
    }
    const base = table.indexOfOffset(entry.baseOffset!);
    if (base < 0) throw new PackError('BAD_OFS_BASE', `OFS delta base offset ${entry.baseOffset} is not the start of an entry`, entry.offset);
    table.bases[i] = base;
    // Instructions over the object limit streamed by: the passes read them back.
    if (entry.data !== undefined) sink.delta(i, base, entry.data, entry.offset);
  };

  const parser = new PackParser(
    (entry) => {
      const objectCount = parser.objectCount!;
      onEntry(entry, objectCount);
      // Between entries, when no view of the cache is in use any more.
      if (sink === local && wantsStreamWorker(shares, budget, parser.received, entry.index + 1, objectCount)) sink = local.toWorker(scratch);
    },
    {
      maxInflatedObjectSize: shares.cacheBytes / 4,
      maxDeltaSize: shares.maxObjectSize,
      streamLargeDeltas: true,
      allocate: (size, delta) => (delta ? scratch.get(size) : sink.allocate(size)),
    },
  );

  const progress = (phase: IndexPackProgress['phase'], deltasResolved: number) =>
    onProgress?.({ phase, objects: parser.entries, totalObjects: parser.objectCount ?? 0, bytes: parser.received, deltasResolved, totalDeltas });

  try {
    let summary;
    try {
      for await (const chunk of iterateBytes(options.source)) {
        signal?.throwIfAborted();
        parser.push(chunk);
        const behind = sink.pace();
        if (behind !== undefined) await behind;
        progress('receiving', resolvedWhileReceiving);
      }
      summary = parser.end();
    } finally {
      parser.close();
    }
    table.entriesEnd = summary.size - 20;
    const streamed = await sink.finish();

    const columns = table.columns();
    const forest = buildDeltaForest(columns, refs);
    for (const i of linkEntries) forest.needed[i] = 1;
    const resolver = new PassResolver(
      columns,
      forest,
      store,
      async (offset, length, into) => {
        signal?.throwIfAborted();
        return read(offset, length, into);
      },
      shares,
      { signal, onObject, linkEntries, arena: streamed.arena },
    );
    if (forest.pending > 0 || linkEntries.size > 0) await resolver.resolve((resolved) => progress('resolving', resolvedWhileReceiving + resolved));
    checkResolved(columns, forest);
    const { count, ids, offsets, crc32s } = columns;
    return {
      columns: { count, ids, offsets, crc32s },
      summary,
      readBack: resolver.counts,
      stats: {
        peakCacheBytes: Math.max(streamed.peakCacheBytes, resolver.peakHeldBytes),
        deltasResolvedWhileReceiving: resolvedWhileReceiving,
        workers: streamed.workers,
      },
    };
  } finally {
    await sink.close();
  }
}

function finish({ columns, summary, readBack, stats }: IndexedEntries, largeOffsetThreshold: number | undefined, links: LinkSet | undefined): IndexPackResult {
  const order = sortByIds(columns.ids, columns.count);
  const idx = encodeIdxV2(columns, order, summary.checksum, { largeOffsetThreshold });
  const count = columns.count;
  let ids: string[] | undefined;
  return {
    idx,
    packChecksum: idToHex(summary.checksum),
    objectCount: summary.objectCount,
    get ids() {
      return (ids ??= idsOf(idx, count));
    },
    packSize: summary.size,
    stats,
    readBack,
    ...(links && { links: { external: externalLinks(links, sortedIdsOf(idx, count)) } }),
  };
}

/** The name table of `idx`: its ids, sorted, 20 bytes each. */
function sortedIdsOf(idx: Uint8Array, count: number): Uint8Array {
  return idx.subarray(8 + 256 * 4, 8 + 256 * 4 + count * 20);
}

/** The sorted ids listed in `idx`, 40 hex each. */
function idsOf(idx: Uint8Array, count: number): string[] {
  const names = sortedIdsOf(idx, count);
  const hex = Buffer.from(names.buffer, names.byteOffset, names.length).toString('hex');
  return Array.from({ length: count }, (_, k) => hex.slice(k * 40, k * 40 + 40));
}

function checkResolved(columns: ObjectColumns, forest: DeltaForest): void {
  if (forest.pending === 0) return;
  let unresolved = 0;
  let first = -1;
  for (let i = 0; i < columns.count; i++) {
    if (columns.types[i] !== 0) continue;
    unresolved++;
    if (first < 0) first = i;
  }
  if (unresolved > 0) {
    throw new PackError(
      'UNRESOLVED_DELTAS',
      `${unresolved} unresolved deltas: their bases are not in the pack (a thin pack cannot be stored as it is)`,
      columns.offsets[first],
    );
  }
}
