/** Codes of {@link VerifyFinding}s. */
export type VerifyFindingCode =
  | 'MISSING_INFO_REFS'
  | 'BAD_INFO_REFS'
  | 'MISSING_HEAD'
  | 'BAD_HEAD'
  | 'HEAD_DANGLING'
  | 'MISSING_PACKS_LIST'
  | 'LISTED_PACK_MISSING'
  | 'UNLISTED_PACK'
  | 'RETIRED_PACK'
  | 'MISSING_IDX'
  | 'ORPHAN_IDX'
  | 'BAD_IDX'
  | 'IDX_MISMATCH'
  | 'BAD_PACK'
  | 'OBJECT_COUNT_MISMATCH'
  | 'PACK_CHECKSUM_MISMATCH'
  | 'CRC_MISMATCH'
  | 'MISSING_OBJECT'
  | 'MISSING_LINKED_OBJECT'
  | 'LEFTOVER_TEMP_PACK'
  | 'STRAY_TEMP'
  | 'INCOMPLETE_UPLOAD';

/**
 * One problem found in a mirror. Errors make a mirror fail verification; warnings do not: the leftovers of killed
 * syncs ({@link LEFTOVER_FINDING_CODES}) are invisible to readers, and the next sync that writes removes them once they
 * are older than its grace period.
 */
export interface VerifyFinding {
  severity: 'error' | 'warning';
  code: VerifyFindingCode;
  /** The file it is about, relative to the mirror's root. */
  key?: string;
  message: string;
}

/** What `verifyMirror` checked and found. */
export interface VerifyReport {
  /** The mirror's URL, credentials redacted. */
  target: string;
  /** True when no finding is an error. */
  ok: boolean;
  refs: number;
  /** Packs listed in `objects/info/packs` that exist (leftovers and replaced packs are not counted). */
  packs: number;
  objects: number;
  findings: VerifyFinding[];
}

/**
 * The codes of what readers never see and the next sync removes once older than its grace period: the leftovers of
 * killed syncs, and packs a repack replaced (kept meanwhile for readers that started before).
 */
export const LEFTOVER_FINDING_CODES: readonly VerifyFindingCode[] = ['LEFTOVER_TEMP_PACK', 'UNLISTED_PACK', 'RETIRED_PACK', 'STRAY_TEMP', 'INCOMPLETE_UPLOAD'];

/** Options of `verifyMirror`. */
export interface VerifyOptions {
  /**
   * Also read every pack whole: its trailing checksum and every object's CRC32 against the idx, and re-index it to
   * check that every object the listed packs' commits, trees and tags point to (and every `packed-refs` tip) is in one.
   */
  full?: boolean;
  signal?: AbortSignal;
}
