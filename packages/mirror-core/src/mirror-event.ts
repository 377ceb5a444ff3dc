import type { ApplyEvent } from './target/mirror-target.js';

/** The steps of one repository's sync, in order: refs of source and target, pack, publication. */
export type MirrorPhase = 'listing-refs' | 'fetching' | 'publishing' | 'repacking' | 'done';

/** Progress of one repository's sync. */
export type MirrorEvent =
  | { type: 'phase'; phase: MirrorPhase }
  /** A progress line from the source (side-band 2), e.g. `Counting objects: 100% (42/42), done.` */
  | { type: 'remote-progress'; message: string }
  /** Receiving and indexing the pack. */
  | Extract<ApplyEvent, { type: 'pack-progress' }>;
