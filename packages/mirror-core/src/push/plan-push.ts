import { ZERO_OID } from '@gitmirror/git-pktline';
import { sortRefs, type MirrorRef } from '../refs.js';
import type { RefCommand } from './receive-pack-client.js';

/** What a push has to do to make the target's refs equal the source's. */
export interface PushPlan {
  /** Ref commands sorted by name: creations, updates (force pushes included) and deletions. */
  commands: RefCommand[];
  created: string[];
  updated: string[];
  deleted: string[];
  /** Source ids the target does not hold as a ref tip, and the target's tips (whose histories it holds). */
  wants: string[];
  haves: string[];
}

/**
 * Compares the source's refs with the target's, both already filtered; `known` are every id the target advertised
 * (tips of refs outside the filters and `.have` ids too). A new tip the target already holds needs no fetch.
 */
export function planPush(source: readonly MirrorRef[], target: readonly MirrorRef[], known: readonly string[]): PushPlan {
  const current = new Map(target.map((ref) => [ref.name, ref.oid]));
  const knownIds = new Set(known);
  const commands: RefCommand[] = [];
  const created: string[] = [];
  const updated: string[] = [];
  const wants = new Set<string>();
  for (const ref of source) {
    const oldOid = current.get(ref.name);
    if (oldOid === ref.oid) continue;
    (oldOid === undefined ? created : updated).push(ref.name);
    commands.push({ name: ref.name, oldOid: oldOid ?? ZERO_OID, newOid: ref.oid });
    if (!knownIds.has(ref.oid)) wants.add(ref.oid);
  }
  const names = new Set(source.map((ref) => ref.name));
  const deleted = target.filter((ref) => !names.has(ref.name));
  for (const ref of deleted) commands.push({ name: ref.name, oldOid: ref.oid, newOid: ZERO_OID });
  return {
    commands: sortRefs(commands),
    created: created.sort(),
    updated: updated.sort(),
    deleted: deleted.map((ref) => ref.name).sort(),
    wants: [...wants],
    haves: wants.size > 0 ? [...knownIds] : [],
  };
}
