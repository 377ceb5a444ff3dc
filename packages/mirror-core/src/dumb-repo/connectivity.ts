import type { Storage } from '@gitmirror/dumb-storage';
import { readIdx } from '@gitmirror/git-pack-stream';
import { IncompleteFetchError } from '../errors.js';
import type { MirrorRef } from '../refs.js';
import { findInPacks } from './idx-lookup.js';
import type { SyncPlan } from './plan.js';
import type { TargetState } from './target-state.js';

const ID = 20;
/** Missing ids an {@link IncompleteFetchError} carries and names. */
const NAMED_MISSING = 10;

/** A plan whose haves were checked against the target's packs. */
export interface CheckedPlan {
  plan: SyncPlan;
  /**
   * Ids {@link checkConnectivity} takes as present: the target's tips found in its listed packs, or, for a plan that
   * fetches nothing, the tips of the refs it leaves as they are and those it moves to, once found.
   */
  present: ReadonlySet<string>;
}

/**
 * Checks the target's ref tips (and peeled tips) against its listed packs, streaming each .idx once: a tip no pack
 * holds is not a have, so it is dropped from the haves and wanted again if the source still has it, and the source
 * resends what the mirror lost. Costs one GET per listed pack (none for a mirror without refs). A plan that fetches
 * nothing checks only the tips its refs move to (no GET for deletions only), and all of them if one is missing.
 */
export async function checkHaves(storage: Storage, state: TargetState, plan: SyncPlan, signal?: AbortSignal): Promise<CheckedPlan> {
  const known = state.refs.flatMap((ref) => (ref.peeled ? [ref.oid, ref.peeled] : [ref.oid]));
  if (plan.wants.length === 0) {
    const before = new Map(state.refs.map((ref) => [ref.name, ref.oid]));
    const moved = [...new Set(plan.refs.filter((ref) => before.get(ref.name) !== ref.oid).map((ref) => ref.oid))].sort();
    const found = moved.length > 0 ? await findInPacks(storage, state.packs, idBytes(moved), signal) : new Uint8Array(0);
    if (found.every((flag) => flag === 1)) return { plan, present: new Set([...known, ...moved]) };
  }
  const tips = [...new Set(known)].sort();
  if (tips.length === 0) return { plan, present: new Set() };
  const found = await findInPacks(storage, state.packs, idBytes(tips), signal);
  const present = new Set(tips.filter((_, i) => found[i]));
  if (present.size === tips.length) return { plan, present };
  const wants = [...new Set(plan.refs.map((ref) => ref.oid).filter((oid) => !present.has(oid)))];
  return { plan: { ...plan, wants, haves: wants.length > 0 ? [...present] : [] }, present };
}

/** Options of {@link checkConnectivity}. */
export interface ConnectivityOptions {
  /** The source's URL, credentials redacted, for the error. */
  source: string;
  /** Ids taken as present in the listed packs, not looked up again ({@link CheckedPlan.present}). */
  present: ReadonlySet<string>;
  /** Ascending, distinct 20-byte ids that the new pack's objects link to outside the pack. */
  external?: Uint8Array;
  signal?: AbortSignal;
}

/**
 * Checks, before anything is published, that the mirror will be complete: every tip of `refs` and every id in
 * `options.external` is in the new pack (its .idx `packIdx`) or in one of the target's listed packs (one streamed
 * GET per listed pack, only when some id is not settled already). Throws an {@link IncompleteFetchError} naming the
 * first missing ids otherwise.
 */
export async function checkConnectivity(
  storage: Storage,
  packs: readonly string[],
  refs: readonly MirrorRef[],
  packIdx: Uint8Array | undefined,
  options: ConnectivityOptions,
): Promise<void> {
  const index = packIdx && readIdx(packIdx);
  const tips = [...new Set(refs.map((ref) => ref.oid))].filter((oid) => !options.present.has(oid) && !index?.lookup(oid)).sort();
  const needles = mergeIds(idBytes(tips), options.external ?? new Uint8Array(0));
  if (needles.length === 0) return;
  const found = await findInPacks(storage, packs, needles, options.signal);
  const missing: string[] = [];
  let missingCount = 0;
  for (let i = 0; i < found.length; i++) {
    if (found[i]) continue;
    if (missingCount++ < NAMED_MISSING) missing.push(Buffer.from(needles.subarray(i * ID, i * ID + ID)).toString('hex'));
  }
  if (missingCount === 0) return;
  const named = missing.map((id) => {
    const ref = refs.find((candidate) => candidate.oid === id);
    return ref ? `${id} (${JSON.stringify(ref.name)})` : id;
  });
  throw new IncompleteFetchError(
    `${options.source} did not send all necessary objects: ${missingCount} missing, neither sent nor in the mirror ` +
      `(${named.join(', ')}${missingCount > missing.length ? ', …' : ''}); nothing was published`,
    missing,
    missingCount,
  );
}

/** Ascending 20-byte ids of ascending, distinct 40-hex ids. */
function idBytes(sortedHex: readonly string[]): Uint8Array {
  return Buffer.from(sortedHex.join(''), 'hex');
}

/** The ascending union of two ascending, distinct id lists. */
function mergeIds(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const merged = new Uint8Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length || j < b.length) {
    const order = i === a.length ? 1 : j === b.length ? -1 : Buffer.compare(a.subarray(i, i + ID), b.subarray(j, j + ID));
    if (order <= 0) merged.set(a.subarray(i, i + ID), k);
    else merged.set(b.subarray(j, j + ID), k);
    if (order <= 0) i += ID;
    if (order >= 0) j += ID;
    k += ID;
  }
  return merged.subarray(0, k);
}
