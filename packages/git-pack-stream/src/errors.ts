/**
 * Codes carried by {@link PackError}, one per way a pack, a delta or an index can be malformed.
 */
export type PackErrorCode =
  | 'TRUNCATED'
  | 'BAD_SIGNATURE'
  | 'UNSUPPORTED_VERSION'
  | 'BAD_ENTRY_HEADER'
  | 'BAD_OBJECT_TYPE'
  | 'CORRUPT_ZLIB'
  | 'SIZE_MISMATCH'
  | 'OBJECT_TOO_LARGE'
  | 'OBJECT_COUNT_MISMATCH'
  | 'TRAILER_MISMATCH'
  | 'JUNK_AFTER_TRAILER'
  | 'BAD_DELTA'
  | 'DELTA_COPY_OUT_OF_RANGE'
  | 'DELTA_BASE_SIZE_MISMATCH'
  | 'DELTA_RESULT_SIZE_MISMATCH'
  | 'BAD_OFS_BASE'
  | 'UNRESOLVED_DELTAS'
  | 'DUPLICATE_OBJECT'
  | 'READ_BACK_MISMATCH'
  | 'BAD_IDX'
  | 'CRC_MISMATCH'
  | 'BAD_OBJECT'
  | 'LINKED_OBJECT_TOO_LARGE';

/**
 * Thrown for malformed packs, deltas and indexes. `offset` is the pack offset of the entry at fault
 * (or of the byte where the problem was found) when one is known.
 */
export class PackError extends Error {
  override name = 'PackError';

  /** The message without the offset. */
  readonly reason: string;

  constructor(
    readonly code: PackErrorCode,
    reason: string,
    readonly offset?: number,
  ) {
    super(offset === undefined ? reason : `${reason} (at pack offset ${offset})`);
    this.reason = reason;
  }
}
