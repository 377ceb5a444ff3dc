/** The machine-readable reason a storage operation failed. */
export type StorageErrorCode =
  | 'NotFound'
  | 'PreconditionFailed'
  | 'AccessDenied'
  | 'Throttled'
  | 'InvalidKey'
  | 'InvalidRange'
  | 'InvalidUrl'
  | 'Locked'
  | 'StorageFailure';

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

/** The object (or the bucket or folder holding it) does not exist. */
export class NotFoundError extends StorageError {
  override name = 'NotFoundError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('NotFound', message, options);
  }
}

/** The S3 bucket itself does not exist (its code stays `NotFound`; a missing bucket is never a missing object). */
export class BucketNotFoundError extends NotFoundError {
  override name = 'BucketNotFoundError';
}

/** A conditional write (`ifNoneMatch` / `ifMatch`) lost: the object exists, or changed since its etag was read. */
export class PreconditionFailedError extends StorageError {
  override name = 'PreconditionFailedError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('PreconditionFailed', message, options);
  }
}

/** The credentials in use may not perform the operation. */
export class AccessDeniedError extends StorageError {
  override name = 'AccessDeniedError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('AccessDenied', message, options);
  }
}

/** The server kept asking to slow down (S3 `503 SlowDown`, `429`) after all retries were spent. */
export class ThrottledError extends StorageError {
  override name = 'ThrottledError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('Throttled', message, options);
  }
}

/** The key cannot name an object under the root (`..`, absolute, backslash, NUL, empty segment, reserved name). */
export class InvalidKeyError extends StorageError {
  override name = 'InvalidKeyError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('InvalidKey', message, options);
  }
}

/** A ranged read asked for bytes outside the object. */
export class InvalidRangeError extends StorageError {
  override name = 'InvalidRangeError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('InvalidRange', message, options);
  }
}

/** The URL given to `openStorage` or `createS3Storage` is not one they understand. */
export class InvalidUrlError extends StorageError {
  override name = 'InvalidUrlError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('InvalidUrl', message, options);
  }
}

/**
 * A key's lock stayed held by another writer for the whole lock timeout (filesystem sink). The message names the
 * owner and the lock's age and how to clear it.
 */
export class LockedError extends StorageError {
  override name = 'LockedError';
  constructor(message: string, options?: StorageErrorOptions) {
    super('Locked', message, options);
  }
}
