import {
  AccessDeniedError,
  BucketNotFoundError,
  InvalidRangeError,
  InvalidUrlError,
  NotFoundError,
  PreconditionFailedError,
  StorageError,
  ThrottledError,
} from '../errors.js';

interface ServiceErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

// S3's own error names, as the service sends them (not this package's codes, which they are mapped to).
const notFound = new Set(['NoSuchKey', 'NotFound', 'NoSuchUpload']);
const denied = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AllAccessDisabled']);
const throttled = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded']);
const preconditionFailed = new Set(['PreconditionFailed', 'ConditionalRequestConflict']);

/**
 * The {@link StorageError} for an error the S3 client raised during `operation` on `key`. The message names the S3
 * error and HTTP status only (never the request, so never a signature or credential); the SDK error is the cause.
 */
export function s3Error(error: unknown, operation: string, key: string, url: string): StorageError {
  if (error instanceof StorageError) return error;
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ServiceErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  const name = shape.name ?? 'Error';
  const what = status === undefined ? (shape.code ?? name) : `${name} (HTTP ${status})`;
  const message = `${operation} ${key} in ${url}: ${what}`;
  const options = { key, cause: error };
  // The client's endpoint (e.g. a mistyped --s3-endpoint-url) fails Node's URL parser on the first request.
  if (shape.code === 'ERR_INVALID_URL') return new InvalidUrlError(`${operation} ${key} in ${url}: the S3 endpoint is not a valid URL`, options);
  if (name === 'NoSuchBucket') {
    const bucket = /^s3:\/\/([^/]+)/.exec(url)?.[1] ?? url;
    const withStatus = status === undefined ? '' : `, HTTP ${status}`;
    return new BucketNotFoundError(`${operation} ${key} in ${url}: the bucket ${bucket} does not exist (NoSuchBucket${withStatus})`, options);
  }
  if (status === 404 || notFound.has(name)) return new NotFoundError(message, options);
  if (status === 412 || preconditionFailed.has(name)) return new PreconditionFailedError(message, options);
  if (status === 403 || denied.has(name)) return new AccessDeniedError(message, options);
  if (status === 429 || throttled.has(name)) return new ThrottledError(message, options);
  if (status === 416 || name === 'InvalidRange') return new InvalidRangeError(message, options);
  return new StorageError('STORAGE_FAILURE', message, options);
}
