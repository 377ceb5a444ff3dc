/** Codes of the errors the command raises itself (a repository's failure keeps the library's code). */
export type CliErrorCode = 'USAGE' | 'INVALID_CONFIG' | 'INVALID_INPUT';

/** A problem with how the command was called, its config file or its input; exits with status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly code: CliErrorCode;

  constructor(message: string, code: CliErrorCode = 'USAGE') {
    super(message);
    this.code = code;
  }
}
