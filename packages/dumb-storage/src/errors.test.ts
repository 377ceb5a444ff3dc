import { describe, expect, it } from 'vitest';
import {
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
} from './errors.js';

describe('storage errors', () => {
  it('carry one SCREAMING_SNAKE code per class', () => {
    const errors = [
      [new NotFoundError('m'), 'OBJECT_NOT_FOUND'],
      [new BucketNotFoundError('m'), 'BUCKET_NOT_FOUND'],
      [new PreconditionFailedError('m'), 'PRECONDITION_FAILED'],
      [new AccessDeniedError('m'), 'ACCESS_DENIED'],
      [new ThrottledError('m'), 'THROTTLED'],
      [new InvalidKeyError('m'), 'INVALID_KEY'],
      [new InvalidRangeError('m'), 'INVALID_RANGE'],
      [new InvalidUrlError('m'), 'INVALID_URL'],
      [new LockedError('m'), 'LOCKED'],
      [new StorageError('STORAGE_FAILURE', 'm'), 'STORAGE_FAILURE'],
    ] as const;
    for (const [error, code] of errors) {
      expect(error).toBeInstanceOf(StorageError);
      expect(error.code, error.name).toBe(code);
    }
  });

  it('make a missing bucket a NotFoundError whose code tells it from a missing object', () => {
    const bucket = new BucketNotFoundError('the bucket gone does not exist', { key: 'HEAD' });
    expect(bucket).toBeInstanceOf(NotFoundError);
    expect(bucket).toMatchObject({ name: 'BucketNotFoundError', code: 'BUCKET_NOT_FOUND', key: 'HEAD' });
    expect(isStorageError(bucket, 'OBJECT_NOT_FOUND')).toBe(false);
    expect(isStorageError(new NotFoundError('HEAD not found'), 'OBJECT_NOT_FOUND')).toBe(true);
  });

  it('are told apart from other errors by class and code with isStorageError', () => {
    expect(isStorageError(new ThrottledError('slow'))).toBe(true);
    expect(isStorageError(new ThrottledError('slow'), 'THROTTLED')).toBe(true);
    expect(isStorageError(new ThrottledError('slow'), 'ACCESS_DENIED')).toBe(false);
    expect(isStorageError(Object.assign(new Error('lookalike'), { code: 'THROTTLED' }), 'THROTTLED')).toBe(false);
    expect(isStorageError(undefined)).toBe(false);
  });
});
