import { StorageError, type StorageErrorCode } from '@gitmirror/dumb-storage';
import { PackError, type PackErrorCode } from '@gitmirror/git-pack-stream';
import { PktLineError, RemoteError, type PktLineErrorCode } from '@gitmirror/git-pktline';
import { MirrorError, type MirrorErrorCode } from '@gitmirror/mirror-core';
import { UsageError, type CliErrorCode } from '../errors.js';

/** Every code the command reports: the packages' codes, its own, and `ERROR` for an error of none of them. */
export type ErrorCode = StorageErrorCode | MirrorErrorCode | PackErrorCode | PktLineErrorCode | RemoteError['code'] | CliErrorCode | 'ERROR';

/** The base classes whose `code` is reported as it is. */
const CODED_ERRORS = [StorageError, MirrorError, PackError, PktLineError, RemoteError, UsageError] as const;

/**
 * The code of an error of one of the packages (by `instanceof` of their base classes), else `ERROR`: a `code` on
 * any other error (a Node system error, an SDK error) is not one of ours and is not reported.
 */
export function errorCode(error: unknown): ErrorCode {
  for (const type of CODED_ERRORS) if (error instanceof type) return error.code;
  return 'ERROR';
}
