import type { GetResult, ObjectInfo, Storage } from '@gitmirror/dumb-storage';
import { PackMerger, type MergedPack } from '@gitmirror/git-pack-stream';
import { ConflictError, MirrorError } from '../errors.js';
import { choosePacksToMerge } from './geometric.js';
import { classifyPackDirName, idxKey, PACK_DIR, packFileName, packKey, PACKS_LIST_KEY, retiredKey, tempPackKey } from './layout.js';
import { parsePacksList } from './packs-list.js';
import { updatePacksList } from './packs-list-update.js';
import { readWhole } from './read.js';
import { DEFAULT_LEFTOVER_GRACE_MS, removeLeftovers } from './recover.js';
import { readText, type VersionedText } from './target-state.js';

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
  const packsList = await readText(storage, PACKS_LIST_KEY, signal);
  const listed = packsList ? parsePacksList(packsList.text) : [];
  // One listing serves both the removal of leftovers and the sizes the policy weighs.
  const packFiles: ObjectInfo[] = [];
  for await (const info of storage.list(PACK_DIR)) packFiles.push(info);
  const removed = options.dryRun ? [] : await removeLeftovers(storage, listed, { graceMs, sweepRetired: true, packFiles, signal });
  const files = packsWithIdx(packFiles.filter((info) => !removed.includes(info.key)));
  const present = listed.filter((name) => files.has(name));
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
  const unchanged: RepackResult = { packsBefore: listed.length, packsAfter: listed.length, merged: [], bytesRead: 0, removed };
  if (chosen.length === 0) return unchanged;

  // Sources in the order the mirror lists them, oldest first: later copies of an object are the ones dropped.
  const chosenSet = new Set(chosen);
  const sources = present.filter((name) => chosenSet.has(name));
  const idxs = await readIndexes(storage, sources, signal);
  const merger = new PackMerger(sources.map((name, s) => ({ idx: idxs[s]!, packSize: sizes.get(name)! })));
  const bytesToRead = merger.sourcesToRead.reduce((sum, source) => sum + sizes.get(sources[source]!)!, 0);
  const merged = [...sources].sort((a, b) => sizes.get(a)! - sizes.get(b)!);
  if (options.dryRun) {
    return { ...unchanged, packsAfter: listed.length - sources.length + 1, merged, pack: { name: '', objects: merger.objectCount, bytes: 0, duplicates: merger.sourceObjectCount - merger.objectCount }, bytesRead: 0 };
  }

  const result = await writeMergedPack(storage, merger, sources, sizes, { ...options, bytesToRead });
  const name = packFileName(result.packChecksum);
  const replaced = sources.filter((source) => source !== name);
  await inParallel(replaced, (source) => storage.put(retiredKey(source), Buffer.from(`replaced by ${name}\n`), { signal }));
  const packsAfter = (await replaceInPacksList(storage, packsList, replaced, name, signal)).length;
  return {
    packsBefore: listed.length,
    packsAfter,
    merged,
    pack: { name, objects: result.objectCount, bytes: result.packSize, duplicates: result.duplicates },
    bytesRead: bytesToRead,
    removed,
  };
}

/**
 * The packs of a listing of `objects/pack/` that have an idx, by pack file name: their bytes, and their objects as
 * the idx size bounds them (large offsets only make it an overestimate).
 */
function packsWithIdx(packFiles: readonly ObjectInfo[]): Map<string, { bytes: number; objects: number }> {
  const byChecksum = new Map<string, { pack?: number; idx?: number }>();
  for (const info of packFiles) {
    const file = classifyPackDirName(info.key.slice(PACK_DIR.length));
    if (file.kind !== 'pack' && file.kind !== 'idx') continue;
    const entry = byChecksum.get(file.checksum) ?? {};
    entry[file.kind] = info.size;
    byChecksum.set(file.checksum, entry);
  }
  const packs = new Map<string, { bytes: number; objects: number }>();
  for (const [checksum, { pack, idx }] of byChecksum) {
    if (pack !== undefined && idx !== undefined) packs.set(packFileName(checksum), { bytes: pack, objects: Math.max(0, Math.floor((idx - IDX_FIXED_BYTES) / 28)) });
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
 * Lists `added` in place of `replaced` in `objects/info/packs`, against a sync that listed a pack meanwhile too.
 * @throws ConflictError when some of `replaced` is no longer listed: another repack replaced it first.
 */
async function replaceInPacksList(storage: Storage, first: VersionedText | undefined, replaced: readonly string[], added: string, signal?: AbortSignal): Promise<string[]> {
  return updatePacksList(
    storage,
    first,
    (packs) => {
      const gone = replaced.filter((name) => !packs.includes(name));
      if (gone.length > 0) throw new ConflictError(`${storage.url}: ${gone[0]} was replaced by another repack while this one ran; nothing of this one was listed`);
      const next = packs.filter((name) => !replaced.includes(name));
      return next.includes(added) ? next : [...next, added];
    },
    signal,
  );
}

/** Ends a prefetched read nobody will consume, so that its connection goes back to the pool. */
async function release(request: Promise<GetResult>): Promise<void> {
  try {
    await (await request).body[Symbol.asyncIterator]().return?.();
  } catch {
    // A read that failed holds nothing.
  }
}
