import { AccessDeniedError, BucketNotFoundError, InvalidUrlError, LockedError, StorageError, type StorageErrorCode } from '@gitmirror/dumb-storage';
import { PackError, type PackErrorCode } from '@gitmirror/git-pack-stream';
import { ListingLimitError, PktLineError, RemoteError, SideBandError, type PktLineErrorCode } from '@gitmirror/git-pktline';
import { MirrorError, TransportError, type MirrorErrorCode } from '@gitmirror/mirror-core';
import { describe, expect, it } from 'vitest';
import { UsageError, type CliErrorCode } from '../errors.js';
import { describeError } from './describe-error.js';
import { errorCode, type ErrorCode } from './error-code.js';
import { HINTLESS_CODES, hintFor } from './hints.js';

// Every code of every package, typed as a record of its union so that the compiler refuses a code missing here: a
// new code fails the typecheck until it is listed, and then this test until it has a hint or is hint-less on purpose.
const STORAGE_CODES: Record<StorageErrorCode, true> = {
  OBJECT_NOT_FOUND: true,
  BUCKET_NOT_FOUND: true,
  PRECONDITION_FAILED: true,
  ACCESS_DENIED: true,
  THROTTLED: true,
  INVALID_KEY: true,
  INVALID_RANGE: true,
  INVALID_URL: true,
  LOCKED: true,
  STORAGE_FAILURE: true,
};
const MIRROR_CODES: Record<MirrorErrorCode, true> = {
  MISSING_OBJECTS: true,
  HTTP_ERROR: true,
  AUTH_FAILED: true,
  NOT_FOUND: true,
  NOT_SMART_SERVER: true,
  PROTOCOL_ERROR: true,
  REMOTE_ERROR: true,
  TIMEOUT: true,
  CONNECTION_LOST: true,
  UPLOAD_PACK_FAILED: true,
  HOST_KEY_REJECTED: true,
  PUSH_REJECTED: true,
  PUSH_FAILED: true,
  CONFLICT: true,
  INVALID_MIRROR: true,
  ABORTED: true,
  INVALID_REF_NAME: true,
  DUPLICATE_REF: true,
  INVALID_OBJECT_ID: true,
  LIMIT_EXCEEDED: true,
};
const PACK_CODES: Record<PackErrorCode, true> = {
  TRUNCATED: true,
  BAD_SIGNATURE: true,
  UNSUPPORTED_VERSION: true,
  BAD_ENTRY_HEADER: true,
  BAD_OBJECT_TYPE: true,
  CORRUPT_ZLIB: true,
  SIZE_MISMATCH: true,
  OBJECT_TOO_LARGE: true,
  OBJECT_COUNT_MISMATCH: true,
  TRAILER_MISMATCH: true,
  JUNK_AFTER_TRAILER: true,
  BAD_DELTA: true,
  DELTA_COPY_OUT_OF_RANGE: true,
  DELTA_BASE_SIZE_MISMATCH: true,
  DELTA_RESULT_SIZE_MISMATCH: true,
  BAD_OFS_BASE: true,
  UNRESOLVED_DELTAS: true,
  DUPLICATE_OBJECT: true,
  READ_BACK_MISMATCH: true,
  BAD_IDX: true,
  CRC_MISMATCH: true,
  BAD_OBJECT: true,
  LINKED_OBJECT_TOO_LARGE: true,
};
const PKT_LINE_CODES: Record<PktLineErrorCode | RemoteError['code'], true> = {
  BAD_LENGTH: true,
  RESERVED_LENGTH: true,
  PACKET_TOO_LONG: true,
  UNEXPECTED_EOF: true,
  UNEXPECTED_PACKET: true,
  UNKNOWN_BAND: true,
  MISSING_BAND: true,
  BAD_ADVERTISEMENT: true,
  INVALID_LINE: true,
  LIMIT_EXCEEDED: true,
  REMOTE_ERROR: true,
};
const CLI_CODES: Record<CliErrorCode, true> = { USAGE: true, INVALID_CONFIG: true, INVALID_INPUT: true };

const codes = <T extends string>(table: Record<T, true>) => Object.keys(table) as T[];

/** An error of each package carrying each of its codes, built through the package's base class. */
const CODED_ERRORS: [ErrorCode, Error][] = [
  ...codes(STORAGE_CODES).map((code): [ErrorCode, Error] => [code, new StorageError(code, `storage: ${code}`)]),
  ...codes(MIRROR_CODES).map((code): [ErrorCode, Error] => [code, new MirrorError(code, `mirror: ${code}`)]),
  ...codes(PACK_CODES).map((code): [ErrorCode, Error] => [code, new PackError(code, `pack: ${code}`)]),
  ...codes(PKT_LINE_CODES).map((code): [ErrorCode, Error] => [code, code === 'REMOTE_ERROR' ? new RemoteError('refused') : new PktLineError(code, `pkt-line: ${code}`, 0)]),
  ...codes(CLI_CODES).map((code): [ErrorCode, Error] => [code, new UsageError(`cli: ${code}`, code)]),
  ['ERROR', new Error('plain')],
];

describe('error codes and hints', () => {
  it.each(CODED_ERRORS)('%s is reported as it is, with a hint unless it is hint-less on purpose', (code, error) => {
    expect(errorCode(error)).toBe(code);
    const hintless = (HINTLESS_CODES as readonly string[]).includes(code);
    const hint = hintFor(error);
    if (hintless) expect(hint).toBeUndefined();
    else expect(hint).toMatch(/\S/);
    expect(describeError(error)).toEqual({ code, message: error.message, hint });
  });

  it('lists as hint-less only codes that exist', () => {
    const known = new Set(CODED_ERRORS.map(([code]) => code));
    expect(HINTLESS_CODES.filter((code) => !known.has(code))).toEqual([]);
  });

  it('shares a code between packages only where it means the same', () => {
    const tables = [STORAGE_CODES, MIRROR_CODES, PACK_CODES, PKT_LINE_CODES, CLI_CODES].map((table) => codes<string>(table));
    const shared = tables.flatMap((table, i) => table.filter((code) => tables.some((other, j) => j !== i && other.includes(code))));
    // A listing over its limits (git-pktline's, wrapped by mirror-core) and a server's ERR line.
    expect([...new Set(shared)].sort()).toEqual(['LIMIT_EXCEEDED', 'REMOTE_ERROR']);
  });

  it('keeps every code in SCREAMING_SNAKE_CASE', () => {
    for (const [code] of CODED_ERRORS) expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
  });

  it('reports the subclasses by their own codes', () => {
    expect(describeError(new BucketNotFoundError('get HEAD in s3://gone/: the bucket gone does not exist'))).toMatchObject({
      code: 'BUCKET_NOT_FOUND',
      hint: expect.stringContaining('check that the bucket exists'),
    });
    expect(describeError(new InvalidUrlError('Unsupported source URL ftp://x'))).toMatchObject({ code: 'INVALID_URL', hint: expect.stringContaining('sources are http(s)://') });
    expect(describeError(new LockedError('timed out waiting for the lock of HEAD'))).toEqual({ code: 'LOCKED', message: 'timed out waiting for the lock of HEAD', hint: undefined });
    expect(errorCode(new TransportError('TIMEOUT', 'slow'))).toBe('TIMEOUT');
    expect(errorCode(new SideBandError('fatal'))).toBe('REMOTE_ERROR');
    expect(errorCode(new ListingLimitError('maxRefs', 10, 'too many refs', 0))).toBe('LIMIT_EXCEEDED');
  });

  it('reports an error of no package as ERROR without a hint, even with a code of its own', () => {
    const system = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const lookalike = Object.assign(new Error('slow'), { code: 'TIMEOUT' });
    expect(describeError(system)).toEqual({ code: 'ERROR', message: 'EACCES: permission denied', hint: undefined });
    expect(describeError(lookalike)).toEqual({ code: 'ERROR', message: 'slow', hint: undefined });
  });

  it("adds the S3 client's reason to a storage error that only wraps it", () => {
    const sdk = new Error('getaddrinfo ENOTFOUND s3.example');
    expect(describeError(new StorageError('STORAGE_FAILURE', 'put HEAD in s3://b/: Error', { cause: sdk })).message).toBe('put HEAD in s3://b/: getaddrinfo ENOTFOUND s3.example');
    expect(describeError(new AccessDeniedError('head HEAD in s3://b/: AccessDenied (HTTP 403)', { cause: new Error('AccessDenied (HTTP 403)') })).message).toBe(
      'head HEAD in s3://b/: AccessDenied (HTTP 403)',
    );
    expect(describeError(new MirrorError('CONFLICT', 'changed', { cause: sdk })).message).toBe('changed');
  });
});
