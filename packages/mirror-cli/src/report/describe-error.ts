import { StorageError } from '@gitmirror/dumb-storage';
import { errorCode, type ErrorCode } from './error-code.js';
import { hintFor } from './hints.js';

/** What the command shows of a failure. */
export interface ErrorDescription {
  /** The package's code (`ERROR` for an error of no package). */
  code: ErrorCode;
  message: string;
  /** What to do about it, when there is something useful to say. */
  hint?: string;
}

/** Code, message and hint of a failure: the one place where an error is translated for people and `--json`. */
export function describeError(error: Error): ErrorDescription {
  return { code: errorCode(error), message: errorMessage(error), hint: hintFor(error) };
}

/** The message, with the S3 client's reason added to a storage error that only wraps it. */
function errorMessage(error: Error): string {
  const { cause } = error;
  if (!(error instanceof StorageError) || !(cause instanceof Error) || error.message.includes(cause.message)) return error.message;
  return `${error.message.replace(/: Error$/, '')}: ${cause.message}`;
}
