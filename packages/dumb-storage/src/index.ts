export type { Body, GetResult, IncompleteUpload, ObjectInfo, PutOptions, ReadOptions, Storage } from './storage.js';
export {
  AccessDeniedError,
  BucketNotFoundError,
  InvalidKeyError,
  InvalidRangeError,
  InvalidUrlError,
  isStorageError,
  LockedError,
  NotFoundError,
  PreconditionFailedError,
  StorageError,
  ThrottledError,
  type StorageErrorCode,
  type StorageErrorOptions,
} from './errors.js';
export { openStorage, type OpenStorageOptions } from './open-storage.js';
export type { S3StorageOptions } from './s3/s3-storage.js';
export { contentTypeForKey } from './content-type.js';
export { validateKey, validatePrefix, RESERVED_NAME_PREFIX } from './keys.js';
