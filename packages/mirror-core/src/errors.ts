/**
 * A source or target URL that cannot be used: dumb-storage's class (a `StorageError`, code `INVALID_URL`), raised by
 * mirror-core for sources and pushed targets too, so one `instanceof InvalidUrlError` catches every bad URL.
 */
export { InvalidUrlError } from '@gitmirror/dumb-storage';

/**
 * Codes carried by every {@link MirrorError}. `NOT_FOUND` is a source (or pushed target) repository that does not
 * exist; a missing object or bucket of a storage is the storage's `OBJECT_NOT_FOUND` / `BUCKET_NOT_FOUND`.
 */
export type MirrorErrorCode =
  | 'MISSING_OBJECTS'
  | 'HTTP_ERROR'
  | 'AUTH_FAILED'
  | 'NOT_FOUND'
  | 'NOT_SMART_SERVER'
  | 'PROTOCOL_ERROR'
  | 'REMOTE_ERROR'
  | 'TIMEOUT'
  | 'CONNECTION_LOST'
  | 'UPLOAD_PACK_FAILED'
  | 'HOST_KEY_REJECTED'
  | 'PUSH_REJECTED'
  | 'PUSH_FAILED'
  | 'CONFLICT'
  | 'INVALID_MIRROR'
  | 'ABORTED'
  | 'INVALID_REF_NAME'
  | 'DUPLICATE_REF'
  | 'INVALID_OBJECT_ID'
  | 'LIMIT_EXCEEDED';

/** Base class of every error raised by mirror-core. Messages never contain credentials. */
export class MirrorError extends Error {
  override name = 'MirrorError';
  /** Machine-readable reason. */
  readonly code: MirrorErrorCode;

  constructor(code: MirrorErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A source could not be read: bad status, unexpected response, dropped connection, failing `git upload-pack`. */
export class TransportError extends MirrorError {
  override name = 'TransportError';
  /** HTTP status when the failure was an HTTP response. */
  readonly status?: number;

  constructor(code: MirrorErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(code, message, options);
    this.status = options?.status;
  }
}

/** How the target answered one ref of a push. */
export interface RefUpdateResult {
  name: string;
  /** The id the target held (the all-zero id for a created ref) and the id pushed (all-zero for a deletion). */
  oldOid: string;
  newOid: string;
  ok: boolean;
  /** The target's reason for refusing the ref, e.g. `deny deleting current branch`. */
  reason?: string;
}

/**
 * The target refused some refs of a push (`ng` in its report); `results` holds every ref's outcome, refused ones with
 * the target's reason. With an atomic push no ref was updated.
 */
export class PushRejectedError extends MirrorError {
  override name = 'PushRejectedError';
  readonly results: RefUpdateResult[];
  constructor(message: string, results: RefUpdateResult[]) {
    super('PUSH_REJECTED', message);
    this.results = results;
  }
}

/** Another writer changed the mirror's refs since this sync read them; nothing of this sync's refs was published. */
export class ConflictError extends MirrorError {
  override name = 'ConflictError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFLICT', message, options);
  }
}

/** The target holds files that do not parse as a dumb repository (e.g. a malformed `info/refs`). */
export class InvalidMirrorError extends MirrorError {
  override name = 'InvalidMirrorError';

  constructor(message: string) {
    super('INVALID_MIRROR', message);
  }
}

/** The operation was cancelled through its `AbortSignal`. */
export class AbortedError extends MirrorError {
  override name = 'AbortedError';

  constructor(message = 'The mirror was aborted', options?: { cause?: unknown }) {
    super('ABORTED', message, options);
  }
}

/** Codes of an {@link InvalidRefError}. */
export type InvalidRefCode = 'INVALID_REF_NAME' | 'DUPLICATE_REF' | 'INVALID_OBJECT_ID';

/**
 * The source advertised a ref that cannot be mirrored: a name git refuses (or a HEAD pointing outside `refs/`), the
 * same name twice, or an id that is not 40 lowercase hex digits. Nothing was fetched or written. The message shows
 * the name quoted and escaped, never raw.
 */
export class InvalidRefError extends MirrorError {
  override name = 'InvalidRefError';
  declare readonly code: InvalidRefCode;

  constructor(code: InvalidRefCode, message: string) {
    super(code, message);
  }
}

/**
 * The source did not send all the objects the refs it advertised need (git's "remote did not send all necessary
 * objects"): a ref at an object not sent, a commit without its tree, a tree without its entries. Nothing was
 * published: the temporary pack was deleted and the target is as it was. `missing` holds the first missing ids.
 */
export class IncompleteFetchError extends MirrorError {
  override name = 'IncompleteFetchError';
  declare readonly code: 'MISSING_OBJECTS';
  /** Up to the first ten missing object ids (40 hex), ascending. */
  readonly missing: string[];
  /** How many objects are missing in all. */
  readonly missingCount: number;

  constructor(message: string, missing: string[], missingCount: number) {
    super('MISSING_OBJECTS', message);
    this.missing = missing;
    this.missingCount = missingCount;
  }
}
