import type { IndexPackOptions, IndexPackResult } from '@gitmirror/git-pack-stream';
import type { Head } from '../dumb-repo/head.js';
import type { RepackResult } from '../dumb-repo/repack.js';
import type { MirrorRef } from '../refs.js';

/** How a target is written: dumb files in S3 or a folder, or pushed to a git server. */
export type TargetKind = 's3' | 'folder' | 'git';

/** Reads of the stored pack during delta resolution. */
export type ReadBackCounts = IndexPackResult['readBack'];

/** The refs of a target before a sync (HEAD when the target has one). */
export interface TargetRefs {
  refs: MirrorRef[];
  head?: Head;
}

/** What the source offers, as a target plans against it: the refs the filters let in, and the source's HEAD. */
export interface SourceSnapshot {
  refs: readonly MirrorRef[];
  head?: Head;
  /** The include/exclude filters: a git server target leaves its refs outside them alone. */
  accept: (name: string) => boolean;
}

/** What one sync has to do to make the target equal the source. */
export interface TargetPlan {
  /** True when nothing changes: nothing is fetched or written. */
  upToDate: boolean;
  /** Ref names created, moved (force pushes included) and deleted, each sorted. */
  created: string[];
  updated: string[];
  deleted: string[];
  /** What to fetch from the source: ids the target lacks, ids whose histories it holds, and whether a thin pack does. */
  wants: string[];
  haves: string[];
  thin: boolean;
}

/** A pack a sync wrote or pushed. */
export interface PackSummary {
  /** `pack-<checksum>.pack`, as git names it. */
  name: string;
  objects: number;
  bytes: number;
}

/** What applying a plan wrote. */
export interface AppliedPlan {
  pack?: PackSummary;
  /** What resolving the pack's deltas read back; set by targets that index the packs they store. */
  readBack?: ReadBackCounts;
  /** The compaction that followed the sync (a dumb target's automatic repack), when it merged packs. */
  repack?: RepackResult;
}

/** Progress of applying a plan: the switch to publishing, a git server's messages, the indexing of a stored pack. */
export type ApplyEvent =
  | { type: 'phase'; phase: 'publishing' | 'repacking' }
  /** A progress or hook line from a git server target (side-band 2), already sanitized. */
  | { type: 'remote-progress'; message: string }
  | { type: 'pack-progress'; progress: Parameters<NonNullable<IndexPackOptions['onProgress']>>[0] };

/** Options of {@link MirrorTarget.apply}. */
export interface ApplyOptions {
  /** The source's URL, credentials redacted, for messages about what it sent. */
  source: string;
  signal?: AbortSignal;
  onProgress?: (event: ApplyEvent) => void;
}

/**
 * Where a sync writes: a dumb repository over a `Storage` or a git server over receive-pack. One instance serves one
 * sync, in this order: {@link readRefs}, {@link plan}, then, unless the plan is up to date or a dry run,
 * {@link apply} with the pack fetched from the source for the plan's wants; {@link close} last, whatever happened.
 */
export interface MirrorTarget {
  /** The target's URL, credentials redacted. */
  readonly url: string;
  readonly kind: TargetKind;
  /** Whether the target is also a bare repository git can use directly (a folder). */
  readonly bareRepository: boolean;
  /** Whether the target indexes the packs it stores: its results then count what indexing read back. */
  readonly indexesPacks: boolean;
  /**
   * Reads the target's refs. A dumb repository also removes, unless `dryRun`, what killed syncs left behind once it is
   * older than the grace period.
   */
  readRefs(options?: { dryRun?: boolean; signal?: AbortSignal }): Promise<TargetRefs>;
  /**
   * Plans the sync against the source's filtered refs. Unless the plan is up to date or `dryRun`, a dumb repository
   * also checks that the tips it would fetch against are in its packs.
   */
  plan(source: SourceSnapshot, options?: { dryRun?: boolean; signal?: AbortSignal }): Promise<TargetPlan>;
  /**
   * Applies `plan`, the one {@link plan} returned (the target keeps what it needs of it besides the public fields):
   * stores or pushes `pack` (the source's answer to the plan's wants and haves; absent when it wants nothing), then
   * makes the new refs visible.
   */
  apply(plan: TargetPlan, pack: AsyncIterable<Uint8Array> | undefined, options: ApplyOptions): Promise<AppliedPlan>;
  /** Releases connections of the target (ssh). */
  close(): Promise<void>;
}
