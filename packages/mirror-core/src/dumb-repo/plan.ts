import { formatHead, type Head } from './head.js';
import { formatInfoRefs } from './info-refs.js';
import type { MirrorRef } from '../refs.js';
import type { TargetState } from './target-state.js';

/** What a sync has to do to make the mirror equal the source. */
export interface SyncPlan {
  /** The refs the mirror will hold. */
  refs: MirrorRef[];
  /** Ref names created, moved and deleted, each sorted. */
  created: string[];
  updated: string[];
  deleted: string[];
  /** Object ids the mirror lacks (ref tips it does not know), and ids it holds with their whole history. */
  wants: string[];
  haves: string[];
  /** New `info/refs` text, or `undefined` when it stays as it is. */
  infoRefs?: string;
  /** New `HEAD` text, or `undefined` when it stays as it is. */
  head?: string;
}

/**
 * Compares the source's refs (already filtered) with the mirror's. A ref tip the mirror already knows (one of its
 * ref tips or peeled tips) needs no fetch; any other becomes a want, with every known tip as a have.
 */
export function planSync(source: { refs: MirrorRef[]; head?: Head }, target: TargetState): SyncPlan {
  const current = new Map(target.refs.map((ref) => [ref.name, ref]));
  const known = new Set(target.refs.flatMap((ref) => (ref.peeled ? [ref.oid, ref.peeled] : [ref.oid])));
  const created: string[] = [];
  const updated: string[] = [];
  const wants = new Set<string>();
  for (const ref of source.refs) {
    const before = current.get(ref.name);
    if (!before) created.push(ref.name);
    else if (before.oid !== ref.oid) updated.push(ref.name);
    if (!known.has(ref.oid)) wants.add(ref.oid);
  }
  const names = new Set(source.refs.map((ref) => ref.name));
  const deleted = target.refs.filter((ref) => !names.has(ref.name)).map((ref) => ref.name);
  const infoRefs = formatInfoRefs(source.refs);
  const head = source.head ? formatHead(guessHead(source.head, source.refs)) : undefined;
  return {
    refs: source.refs,
    created: created.sort(),
    updated: updated.sort(),
    deleted: deleted.sort(),
    wants: [...wants],
    haves: wants.size > 0 ? [...known] : [],
    infoRefs: target.infoRefs?.text === infoRefs ? undefined : infoRefs,
    head: head === undefined || head === target.head ? undefined : head,
  };
}

/** Whether the plan changes nothing: no fetch and no write. */
export function isUpToDate(plan: SyncPlan): boolean {
  return plan.infoRefs === undefined && plan.head === undefined;
}

/**
 * The HEAD a mirror gets, as `git clone --mirror` decides it: the source's symref, else (a detached HEAD) the branch
 * pointing at the same commit, `refs/heads/master` first, else the detached id.
 */
function guessHead(head: Head, refs: readonly MirrorRef[]): Head {
  if ('symref' in head) return head;
  const branches = refs.filter((ref) => ref.name.startsWith('refs/heads/') && ref.oid === head.oid);
  const branch = branches.find((ref) => ref.name === 'refs/heads/master') ?? branches[0];
  return branch ? { symref: branch.name } : head;
}
