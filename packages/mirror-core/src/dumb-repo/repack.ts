import { isStorageError, type GetResult, type Storage } from '@gitmirror/dumb-storage';
import { PackMerger, type MergedPack } from '@gitmirror/git-pack-stream';
import { ConflictError, MirrorError } from '../errors.js';
import { choosePacksToMerge } from './geometric.js';
import { idxKey, PACK_DIR, packFileName, packKey, PACKS_LIST_KEY, retiredKey, tempPackKey } from './layout.js';
import { formatPacksList, parsePacksList } from './packs-list.js';
import { readWhole } from './read.js';
import { DEFAULT_LEFTOVER_GRACE_MS, removeLeftovers } from './recover.js';
import { readTargetState, readText, type VersionedText } from './target-state.js';

/** Options of {@link repackDumbMirror}. */
export interface RepackOptions {
  /** Merge every listed pack into one, instead of only what the geometric policy picks. */
  all?: boolean;
  /** The geometric policy's factor: each pack at least this many times all smaller ones together. Default 2. */
  factor?: number;
  /** The policy merges at most this many bytes of packs (the smallest that fit). Default no limit. */
  maxBytes?: number;
  /**
   * Memory the merge may hold: the merged packs' object tables, {@link MERGE_BYTES_PER_OBJECT} per object. The policy
   * merges the smallest packs that fit; `all` fails with `LIMIT_EXCEEDED` when they do not. Default no limit.
   */
  memoryBudget?: number;
  /**
   * Replaced packs stay this many milliseconds after they stop being listed, for readers that started before; the
   * repack also removes what is older (replaced packs, killed syncs' leftovers). Default one hour.
   */
  leftoverGraceMs?: number;
  /** Plan only: read the indexes, write nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: RepackProgress) => void;
}

/** Progress of a repack: after each source pack is copied. */
export interface RepackProgress {
  packsRead: number;
  packsToRead: number;
  bytesRead: number;
  bytesToRead: number;
}

/** What a repack did. */
export interface RepackResult {
  /** Packs listed before and after. */
  packsBefore: number;
  packsAfter: number;
  /** The packs merged (replaced unless one of them is the result), smallest first. */
  merged: string[];
  /** The pack written (or, in a dry run, the object count it would hold); absent when nothing was merged. */
  pack?: { name: string; objects: number; bytes: number; duplicates: number };
  /** Bytes of the merged packs read. */
  bytesRead: number;
  /** Keys removed: replaced packs past the grace period, and killed syncs' leftovers. */
  removed: string[];
}

/**
 * Memory a merge holds per object of its sources: the object table of the plan (id, CRC32, offsets in and out,
 * order: about 53 bytes), the indexes read (28) while the plan is built, and the new idx (28) once written.
 */
export const MERGE_BYTES_PER_OBJECT = 96;
/** Bytes of a version-2 idx besides its 28 bytes per object: header, fan-out table, both checksums. */
const IDX_FIXED_BYTES = 8 + 256 * 4 + 40;
/** Small requests (idx reads, markers) in flight at once. */
const REQUESTS_IN_FLIGHT = 8;
/** Source packs whose GET is sent before the merge reaches them, so that each one's latency hides behind the others. */
const PACKS_PREFETCHED = 4;
const PACKS_LIST_ATTEMPTS = 5;

/**
 * Compacts a dumb mirror without a local copy: merges the packs the geometric policy picks (or all of them) into one
 * by streaming each from the storage into the new pack's upload ({@link PackMerger}: entries copied as stored, each
 * object once), then publishes in the order that keeps every reader whole: pack, idx, a marker per replaced pack,
 * and `objects/info/packs` (a conditional write, redone against a sync that listed a pack meanwhile). Replaced packs
 * are deleted by a later sync or repack once their marker is older than the grace period.
 * @throws ConflictError when another repack replaced some of the same packs first; nothing of this one is listed then.
 */
export async function repackDumbMirror(storage: Storage, options: RepackOptions = {}): Promise<RepackResult> {
  const { signal } = options;
  const graceMs = options.leftoverGraceMs ?? DEFAULT_LEFTOVER_GRACE_MS;
  const state = await readTargetState(storage, signal);
  const removed = options.dryRun ? [] : await removeLeftovers(storage, state.packs, { graceMs, sweepRetired: true, signal });
  const files = await listPacks(storage);
  const present = state.packs.filter((name) => files.has(name));
  const sizes = new Map(present.map((name) => [name, files.get(name)!.bytes]));
  const weighed = present.map((name) => ({ name, ...files.get(name)! }));
  const maxObjects = options.memoryBudget === undefined ? undefined : Math.floor(options.memoryBudget / MERGE_BYTES_PER_OBJECT);
  const chosen = options.all ? (present.length > 1 ? present : []) : choosePacksToMerge(weighed, { factor: options.factor, maxBytes: options.maxBytes, maxObjects });
  if (options.all && maxObjects !== undefined) {
    const objects = weighed.reduce((sum, pack) => sum + pack.objects, 0);
    if (objects > maxObjects) {
      throw new MirrorError('LIMIT_EXCEEDED', `${storage.url}: merging all ${present.length} packs (about ${objects} objects) needs about ${Math.ceil((objects * MERGE_BYTES_PER_OBJECT) / 2 ** 20)} MiB, more than the ${Math.floor(options.memoryBudget! / 2 ** 20)} MiB this repack may use; nothing was written`);
    }
  }
  const unchanged: RepackResult = { packsBefore: state.packs.length, packsAfter: state.packs.length, merged: [], bytesRead: 0, removed };
  if (chosen.length === 0) return unchanged;

  // Sources in the order the mirror lists them, oldest first: later copies of an object are the ones dropped.
  const chosenSet = new Set(chosen);
  const sources = present.filter((name) => chosenSet.has(name));
  const idxs = await readIndexes(storage, sources, signal);
  const merger = new PackMerger(sources.map((name, s) => ({ idx: idxs[s]!, packSize: sizes.get(name)! })));
  const bytesToRead = merger.sourcesToRead.reduce((sum, source) => sum + sizes.get(sources[source]!)!, 0);
  const merged = [...sources].sort((a, b) => sizes.get(a)! - sizes.get(b)!);
  if (options.dryRun) {
    return { ...unchanged, packsAfter: state.packs.length - sources.length + 1, merged, pack: { name: '', objects: merger.objectCount, bytes: 0, duplicates: merger.sourceObjectCount - merger.objectCount }, bytesRead: 0 };
  }

  const result = await writeMergedPack(storage, merger, sources, sizes, { ...options, bytesToRead });
  const name = packFileName(result.packChecksum);
  const replaced = sources.filter((source) => source !== name);
  await inParallel(replaced, (source) => storage.put(retiredKey(source), Buffer.from(`replaced by ${name}\n`), { signal }));
  const packsAfter = await replaceInPacksList(storage, state.packsList, replaced, name, signal);
  return {
    packsBefore: state.packs.length,
    packsAfter,
    merged,
    pack: { name, objects: result.objectCount, bytes: result.packSize, duplicates: result.duplicates },
    bytesRead: bytesToRead,
    removed,
  };
}

/**
 * The packs under `objects/pack/` that have an idx, by pack file name, from one listing: their bytes, and their
 * objects as the idx size bounds them (large offsets only make it an overestimate).
 */
async function listPacks(storage: Storage): Promise<Map<string, { bytes: number; objects: number }>> {
  const files = new Map<string, number>();
  for await (const info of storage.list(PACK_DIR)) files.set(info.key.slice(PACK_DIR.length), info.size);
  const packs = new Map<string, { bytes: number; objects: number }>();
  for (const [name, bytes] of files) {
    const idxBytes = files.get(name.replace(/\.pack$/, '.idx'));
    if (/^pack-[0-9a-f]{40}\.pack$/.test(name) && idxBytes !== undefined) packs.set(name, { bytes, objects: Math.max(0, Math.floor((idxBytes - IDX_FIXED_BYTES) / 28)) });
  }
  return packs;
}

async function readIndexes(storage: Storage, packs: readonly string[], signal?: AbortSignal): Promise<Uint8Array[]> {
  const idxs: Uint8Array[] = new Array(packs.length);
  await inParallel(packs.map((_, i) => i), async (i) => void (idxs[i] = await readWhole(storage, idxKey(packs[i]!), signal)));
  return idxs;
}

/** Runs `action` on every item, {@link REQUESTS_IN_FLIGHT} at a time. */
async function inParallel<T>(items: readonly T[], action: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) await action(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(REQUESTS_IN_FLIGHT, items.length) }, worker));
}

/** Uploads the merged pack under a temporary key, then moves it and writes its idx (unless the pack already exists). */
async function writeMergedPack(
  storage: Storage,
  merger: PackMerger,
  sources: readonly string[],
  sizes: ReadonlyMap<string, number>,
  options: RepackOptions & { bytesToRead: number },
): Promise<MergedPack> {
  const { signal } = options;
  const tempKey = tempPackKey();
  let packsRead = 0;
  let bytesRead = 0;
  const order = merger.sourcesToRead;
  const positions = new Map(order.map((source, position) => [source, position]));
  const requested = new Map<number, Promise<GetResult>>();
  const open = async function* (source: number) {
    const position = positions.get(source)!;
    for (const next of order.slice(position, position + PACKS_PREFETCHED)) {
      if (!requested.has(next)) requested.set(next, storage.get(packKey(sources[next]!), { signal }));
    }
    const { body } = await requested.get(source)!;
    requested.delete(source);
    yield* body;
    bytesRead += sizes.get(sources[source]!)!;
    options.onProgress?.({ packsRead: ++packsRead, packsToRead: order.length, bytesRead, bytesToRead: options.bytesToRead });
  };
  let result: MergedPack;
  try {
    await storage.put(tempKey, merger.stream(open, { signal }), { signal });
    result = merger.result();
    const name = packFileName(result.packChecksum);
    if (sources.includes(name)) {
      await storage.delete([tempKey]);
      return result;
    }
    await storage.move(tempKey, packKey(name));
  } catch (error) {
    await Promise.all([storage.delete([tempKey]).catch(() => {}), ...[...requested.values()].map(release)]);
    throw error;
  }
  await storage.put(idxKey(packFileName(result.packChecksum)), result.idx, { signal });
  return result;
}

/**
 * Lists `added` in place of `replaced` in `objects/info/packs`, conditionally on the version read; against a sync that
 * listed a pack meanwhile, re-reads and tries again. Returns the packs listed after.
 */
async function replaceInPacksList(storage: Storage, first: VersionedText | undefined, replaced: readonly string[], added: string, signal?: AbortSignal): Promise<number> {
  let current = first;
  for (let attempt = 1; ; attempt++) {
    const packs = current ? parsePacksList(current.text) : [];
    const gone = replaced.filter((name) => !packs.includes(name));
    if (gone.length > 0) throw new ConflictError(`${storage.url}: ${gone[0]} was replaced by another repack while this one ran; nothing of this one was listed`);
    const next = packs.filter((name) => !replaced.includes(name));
    if (!next.includes(added)) next.push(added);
    try {
      await storage.put(PACKS_LIST_KEY, Buffer.from(formatPacksList(next)), current ? { ifMatch: current.etag, signal } : { ifNoneMatch: '*', signal });
      return next.length;
    } catch (error) {
      if (!isStorageError(error, 'PRECONDITION_FAILED') || attempt === PACKS_LIST_ATTEMPTS) throw error;
    }
    current = await readText(storage, PACKS_LIST_KEY, signal);
  }
}

/** Ends a prefetched read nobody will consume, so that its connection goes back to the pool. */
async function release(request: Promise<GetResult>): Promise<void> {
  try {
    await (await request).body[Symbol.asyncIterator]().return?.();
  } catch {
    // A read that failed holds nothing.
  }
}
