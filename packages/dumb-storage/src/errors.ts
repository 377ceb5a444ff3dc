/**
 * The machine-readable reason a storage operation failed, one per error class (`STORAGE_FAILURE` for a plain
 * {@link StorageError}).
 */
export type StorageErrorCode =
  | 'OBJECT_NOT_FOUND'
  | 'BUCKET_NOT_FOUND'
  | 'PRECONDITION_FAILED'
  | 'ACCESS_DENIED'
  | 'THROTTLED'
  | 'INVALID_KEY'
  | 'INVALID_RANGE'
  | 'INVALID_URL'
  | 'LOCKED'
  | 'STORAGE_FAILURE';

/** Options shared by every storage error. */
export interface StorageErrorOptions {
  /** The key the failed operation was about, relative to the storage root. */
  key?: string;
  /** The underlying error (SDK or file-system error). */
  cause?: unknown;
}

/**
 * Base class of every error a {@link Storage} raises. `code` says what went wrong, `key` which object it was about.
 * Messages never contain credentials.
 */
export class StorageError extends Error {
  override name = 'StorageError';
  /** What went wrong. */
  readonly code: StorageErrorCode;
  /** The key the operation was about, when there is one. */
  readonly key?: string;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options.key !== undefined) this.key = options.key;
  }
}

/**
 * Whether `error` is a {@link StorageError}, and one with `code` when a code is given: the check by class and code
 * that callers use instead of matching a `code` on any error.
 */
export function isStorageError<C extends StorageErrorCode = StorageErrorCode>(error: unknown, code?: C): error is StorageError & { readonly code: C } {
  return error instanceof StorageError && (code === undefined || error.code === code);
}

/**
 * The object (or the folder holding it) does not exist: code `OBJECT_NOT_FOUND`. A missing S3 bucket is the subclass
 * {@link BucketNotFoundError}, code `BUCKET_NOT_FOUND`, so `instanceof NotFoundError` catches both and the code tells
 * them apart.
 */
export class NotFoundError extends StorageError {
  override name = 'NotFoundError';
  declare readonly code: 'OBJECT_NOT_FOUND' | 'BUCKET_NOT_FOUND';
  constructor(message: string, options?: StorageErrorOptions) {
    super(new.target === BucketNotFoundError ? 'BUCKET_NOT_FOUND' : 'OBJECT_NOT_FOUND', message, options);
  }
}

/** The S3 bucket itself does not exist: code `BUCKET_NOT_FOUND` (a missing bucket is never a missing object). */
export class BucketNotFoundError extends NotFoundError {
  override name = 'BucketNotFoundError';
  declare readonly code: 'BUCKET_NOT_FOUND';
}

/** A conditional write (`ifNoneMatch` / `ifMatch`) lost: the object exists, or changed since its etag was read. */
export class PreconditionFailedError extends StorageError {
  override name = 'PreconditionFailedError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('PRECONDITION_FAILED', message, options);
  }
}

/** The credentials in use may not perform the operation. */
export class AccessDeniedError extends StorageError {
  override name = 'AccessDeniedError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('ACCESS_DENIED', message, options);
  }
}

/** The server kept asking to slow down (S3 `503 SlowDown`, `429`) after all retries were spent. */
export class ThrottledError extends StorageError {
  override name = 'ThrottledError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('THROTTLED', message, options);
  }
}

/** The key cannot name an object under the root (`..`, absolute, backslash, NUL, empty segment, reserved name). */
export class InvalidKeyError extends StorageError {
  override name = 'InvalidKeyError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('INVALID_KEY', message, options);
  }
}

/** A ranged read asked for bytes outside the object. */
export class InvalidRangeError extends StorageError {
  override name = 'InvalidRangeError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('INVALID_RANGE', message, options);
  }
}

/** The URL given to `openStorage` or `createS3Storage` is not one they understand. */
export class InvalidUrlError extends StorageError {
  override name = 'InvalidUrlError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('INVALID_URL', message, options);
  }
}

/**
 * A key's lock stayed held by another writer for the whole lock timeout (filesystem sink). The message names the
 * owner and the lock's age and how to clear it.
 */
export class LockedError extends StorageError {
  override name = 'LockedError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('LOCKED', message, options);
  }
}
