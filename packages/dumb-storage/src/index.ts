export type { Body, GetResult, ObjectInfo, PutOptions, ReadOptions, Storage } from './storage.js';
export {
  AccessDeniedError,
  InvalidKeyError,
  InvalidRangeError,
  NotFoundError,
  PreconditionFailedError,
  StorageError,
  ThrottledError,
  type StorageErrorCode,
  type StorageErrorOptions,
} from './errors.js';
export { contentTypeForKey } from './content-type.js';
export { validateKey, validatePrefix, RESERVED_NAME_PREFIX } from './keys.js';
