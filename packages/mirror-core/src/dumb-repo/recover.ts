import { isStorageError, type ObjectInfo, type Storage } from '@gitmirror/dumb-storage';
import { classifyPackDirName, packFileName, PACK_DIR, PACKS_LIST_KEY, RETIRED_DIR } from './layout.js';
import { parsePacksList } from './packs-list.js';
import { readTargetState, readText, type TargetState } from './target-state.js';

/** Default of {@link RecoverOptions.graceMs}: one hour. */
export const DEFAULT_LEFTOVER_GRACE_MS = 60 * 60 * 1000;

/** Options of {@link removeLeftovers}. */
export interface RecoverOptions {
  /**
   * Leftovers written to less recently than this many milliseconds ago are kept: they may belong to a sync still
   * running. It must exceed the longest pause in any sync's writes (default one hour).
   */
  graceMs: number;
  /** Also remove stale markers of packs a repack replaced that are listed again or gone (a repack does). */
  sweepRetired?: boolean;
  /** The listing of `objects/pack/`, when the caller has just made one (a repack, which needs it too). */
  packFiles?: readonly ObjectInfo[];
  signal?: AbortSignal;
}

/**
 * The start of a sync to a dumb mirror: reads its state ({@link readTargetState}), then, unless `dryRun`, removes
 * what killed syncs left ({@link removeLeftovers}, `leftoverGraceMs` defaulting to {@link DEFAULT_LEFTOVER_GRACE_MS}).
 * Nothing is written when nothing is left over.
 */
export async function readTargetStateAndRecover(
  storage: Storage,
  options: { dryRun?: boolean; leftoverGraceMs?: number; signal?: AbortSignal },
): Promise<TargetState> {
  const state = await readTargetState(storage, options.signal);
  if (!options.dryRun) await removeLeftovers(storage, state.packs, { graceMs: options.leftoverGraceMs ?? DEFAULT_LEFTOVER_GRACE_MS, signal: options.signal });
  return state;
}

/**
 * Deletes what killed syncs left in a mirror, once it is older than the grace period: `tmp_pack_*` keys, packs
 * (and their idx) that `objects/info/packs` does not list, the storage's incomplete uploads (S3 multipart uploads,
 * the filesystem sink's temporary files). A pack a repack replaced is kept until its marker (written when it stopped
 * being listed) is older than the grace period, then deleted with its marker. Returns what it removed.
 *
 * An unlisted pack is deleted even when whole: no ref of a killed sync is published before its pack is listed, so the
 * next fetch (whose haves are the published refs) brings its objects again, and keeping it would only store them
 * twice. Requests: one listing of `objects/pack/`, one listing of incomplete uploads, and, only when there is
 * something to delete (or with `sweepRetired`), a re-read of the packs list (a concurrent writer may have listed a
 * pack since), then a listing of the repack markers (read after the list, which a repack writes after its markers),
 * and the deletes.
 */
export async function removeLeftovers(storage: Storage, listedPacks: readonly string[], options: RecoverOptions): Promise<string[]> {
  const cutoff = new Date(Date.now() - options.graceMs);
  const [packFiles, aborted] = await Promise.all([options.packFiles ?? listPackDir(storage), abortIncompleteUploads(storage, cutoff)]);
  if (packFiles === undefined) return aborted;
  const stale = (info: ObjectInfo | undefined) => info?.lastModified !== undefined && info.lastModified < cutoff;

  const candidates: string[] = [];
  const packs = new Map<string, { pack?: ObjectInfo; idx?: ObjectInfo }>();
  for (const info of packFiles) {
    const name = info.key.slice(PACK_DIR.length);
    const file = classifyPackDirName(name);
    if (file.kind === 'pack' || file.kind === 'idx') {
      const entry = packs.get(file.checksum) ?? {};
      entry[file.kind] = info;
      packs.set(file.checksum, entry);
    } else if (file.kind === 'temp' && stale(info)) candidates.push(info.key);
  }
  const unlisted = [...packs].filter(([checksum]) => !listedPacks.includes(packFileName(checksum)));
  // Both files must be idle: on a folder the moved pack keeps its upload's time, the idx is written just before listing.
  const stalePacks = unlisted.filter(([, { pack, idx }]) => (pack === undefined || stale(pack)) && (idx === undefined || stale(idx)));
  if (stalePacks.length > 0 || options.sweepRetired) {
    const current = await readText(storage, PACKS_LIST_KEY, options.signal);
    const listedNow = new Set(current ? parsePacksList(current.text) : []);
    const retired = await listRetired(storage);
    for (const [checksum, { pack, idx }] of stalePacks) {
      const name = packFileName(checksum);
      const marker = retired.get(name);
      if (listedNow.has(name) || (marker && !stale(marker))) continue;
      for (const info of [pack, idx, marker]) if (info) candidates.push(info.key);
      retired.delete(name);
    }
    for (const [name, marker] of retired) {
      const present = packs.has(name.slice('pack-'.length, -'.pack'.length));
      if (stale(marker) && (listedNow.has(name) || !present)) candidates.push(marker.key);
    }
  }
  if (candidates.length > 0) await storage.delete(candidates);
  return [...candidates, ...aborted];
}

/** The markers of packs a repack replaced, by pack file name (none when the credentials may not list them). */
export async function listRetired(storage: Storage): Promise<Map<string, ObjectInfo>> {
  const markers = new Map<string, ObjectInfo>();
  try {
    for await (const info of storage.list(RETIRED_DIR)) markers.set(info.key.slice(RETIRED_DIR.length), info);
  } catch (error) {
    if (!isStorageError(error, 'ACCESS_DENIED')) throw error;
  }
  return markers;
}

/** The files of `objects/pack/`, or `undefined` when the credentials may not list (a sync needs no listing). */
async function listPackDir(storage: Storage): Promise<ObjectInfo[] | undefined> {
  const files: ObjectInfo[] = [];
  try {
    for await (const info of storage.list(PACK_DIR)) files.push(info);
  } catch (error) {
    if (isStorageError(error, 'ACCESS_DENIED')) return undefined;
    throw error;
  }
  return files;
}

/** The incomplete uploads aborted, as `upload of <key>`; none when the sink has no such capability or may not list them. */
async function abortIncompleteUploads(storage: Storage, cutoff: Date): Promise<string[]> {
  if (!storage.abortIncompleteUploads) return [];
  try {
    const aborted = await storage.abortIncompleteUploads('', cutoff);
    return aborted.map((upload) => (upload.kind === 'multipart-upload' ? `upload of ${upload.key}` : upload.key));
  } catch (error) {
    // A bucket policy may grant writes without s3:ListBucketMultipartUploads; the sync must not fail for that.
    if (isStorageError(error, 'ACCESS_DENIED')) return [];
    throw error;
  }
}
