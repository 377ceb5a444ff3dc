import { ListingLimitError } from '@gitmirror/git-pktline';
import { ENV_PREFIX } from '../env-names.js';
import { errorCode, type ErrorCode } from './error-code.js';

/**
 * Codes with nothing useful to add to their message, on purpose: the malformed packs and pkt-lines (the message says
 * what is wrong, and nothing was published), the programming errors of a key or range, a lock (its message names
 * the owner and how to clear it), a push the target refused or dropped (its message holds the target's reasons), a
 * rejected host key (its message names the key and the known_hosts file), the usage errors (the command prints its
 * usage line) and errors of no package.
 */
export const HINTLESS_CODES = [
  'INVALID_KEY',
  'INVALID_RANGE',
  'LOCKED',
  'HOST_KEY_REJECTED',
  'PUSH_REJECTED',
  'PUSH_FAILED',
  'TRUNCATED',
  'BAD_SIGNATURE',
  'UNSUPPORTED_VERSION',
  'BAD_ENTRY_HEADER',
  'BAD_OBJECT_TYPE',
  'CORRUPT_ZLIB',
  'SIZE_MISMATCH',
  'OBJECT_TOO_LARGE',
  'OBJECT_COUNT_MISMATCH',
  'TRAILER_MISMATCH',
  'JUNK_AFTER_TRAILER',
  'BAD_DELTA',
  'DELTA_COPY_OUT_OF_RANGE',
  'DELTA_BASE_SIZE_MISMATCH',
  'DELTA_RESULT_SIZE_MISMATCH',
  'BAD_OFS_BASE',
  'UNRESOLVED_DELTAS',
  'DUPLICATE_OBJECT',
  'READ_BACK_MISMATCH',
  'BAD_IDX',
  'BAD_OBJECT',
  'LINKED_OBJECT_TOO_LARGE',
  'BAD_LENGTH',
  'RESERVED_LENGTH',
  'PACKET_TOO_LONG',
  'UNEXPECTED_EOF',
  'UNEXPECTED_PACKET',
  'UNKNOWN_BAND',
  'MISSING_BAND',
  'BAD_ADVERTISEMENT',
  'INVALID_LINE',
  'USAGE',
  'INVALID_CONFIG',
  'ERROR',
] as const satisfies readonly ErrorCode[];

/** A code that has no hint, on purpose. */
export type HintlessCode = (typeof HINTLESS_CODES)[number];

/** A hint, or how to make it from the error when it depends on more than the code. */
type Hint = string | ((error: Error) => string);

/**
 * What to raise for a `LIMIT_EXCEEDED` error: the listing's limits (git-pktline's error, the cause, names the one
 * reached) and the pack's object cap default to what each repository's share of `--max-memory` holds.
 */
function limitHint(error: Error): string {
  const limit = error instanceof ListingLimitError ? error.limit : error.cause instanceof ListingLimitError ? error.cause.limit : undefined;
  if (limit === 'maxRefs') {
    return "the source lists more refs than this run allows; nothing was fetched or written. If it is genuine, raise --max-memory (the default limit follows each repository's share of it) or set --max-refs";
  }
  if (limit === 'maxBytes') {
    return "the source's ref listing is larger than this run allows; nothing was fetched or written. If it is genuine, raise --max-memory (the default limit follows each repository's share of it) or set --max-advertisement";
  }
  if (error.name === 'MirrorError') return 'raise --max-memory, or repack without --all: the geometric policy merges the smallest packs that fit';
  return "the source sent more than this repository's share of memory can index; nothing was published. If it is genuine, raise --max-memory, or lower --concurrency so that each repository gets a larger share";
}

/** The hint of every code but the hint-less ones, each keyed by exactly one code (the compiler checks both). */
const HINTS: { readonly [code in Exclude<ErrorCode, HintlessCode>]: Hint } = {
  AUTH_FAILED: `the server refused the credentials: check the user and password (in ~/.netrc or --netrc FILE) or the Authorization header (${ENV_PREFIX}HEADER or headers in the --config file)`,
  CRC_MISMATCH: "a pack stored in the mirror does not match its index (the storage holds a corrupt copy): nothing was replaced; run `verify --full` on the mirror to see which",
  NOT_FOUND: 'check the repository URL; a private repository may also answer "not found" to a request without credentials',
  NOT_SMART_SERVER: "the URL does not serve git's smart HTTP protocol: check that it names a repository",
  HTTP_ERROR: 'the server failed; run again later, or allow more attempts with --retries',
  TIMEOUT: 'the server stopped answering; run again, or allow longer with --timeout',
  CONNECTION_LOST: 'the connection dropped before the pack was complete; nothing was published, run again',
  PROTOCOL_ERROR: 'the server answered something that is not git protocol; check the URL (a proxy or login page?)',
  REMOTE_ERROR: 'the server reported an error; see its message',
  UPLOAD_PACK_FAILED: 'check that the path is a git repository and that git is installed',
  CONFLICT: 'another sync changed this mirror at the same time; run again',
  INVALID_REF_NAME:
    'the source advertises a ref name (or a HEAD) that git refuses (git check-ref-format); nothing was fetched or written: fix or delete that ref on the source, or leave it out with --exclude-ref',
  DUPLICATE_REF: 'the source advertises the same ref twice, which no git server does; nothing was fetched or written: check the source URL (a proxy rewriting the answer?)',
  INVALID_OBJECT_ID: 'the source advertises an object id that is not a SHA-1 id (SHA-256 repositories are not supported yet); nothing was fetched or written',
  MISSING_OBJECTS: "the source did not send every object its refs need (a shallow clone, or a broken or hostile server?); nothing was published: run again, and if it persists check the source with 'git fsck'",
  INVALID_MIRROR: "the target holds files that are not a dumb git repository; check the target, or run 'mirror-git-to-s3 verify TARGET'",
  LIMIT_EXCEEDED: limitHint,
  INVALID_URL:
    'sources are http(s)://, ssh://, user@host:path, file:// or paths; targets are s3://bucket/prefix, file://, paths, or git servers to push to (http(s)://, ssh://, user@host:path)',
  ABORTED: 'interrupted: nothing of this repository was published; run again to finish',
  ACCESS_DENIED: 'the storage refused access: check the AWS credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE) and the bucket policy',
  BUCKET_NOT_FOUND: 'check that the bucket exists (and --s3-endpoint-url, --s3-force-path-style for S3-compatible servers)',
  OBJECT_NOT_FOUND: "a file of the mirror is missing from the target (deleted while this ran?); run again, and check the target with 'mirror-git-to-s3 verify TARGET'",
  THROTTLED: 'the storage throttled requests; lower --concurrency and run again',
  PRECONDITION_FAILED: 'another writer changed the mirror at the same time; run again',
  STORAGE_FAILURE: 'the storage failed; check --s3-endpoint-url and --s3-force-path-style, and that the server is reachable',
  INVALID_INPUT: 'each line of the standard input must be one JSON object like {"source": "…", "target": "…"}',
};

/** What the user can do about an error, or `undefined` when there is nothing useful to say. */
export function hintFor(error: Error): string | undefined {
  const hint = (HINTS as Partial<Record<ErrorCode, Hint>>)[errorCode(error)];
  return typeof hint === 'function' ? hint(error) : hint;
}
