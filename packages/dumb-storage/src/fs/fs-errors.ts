import { AccessDeniedError, NotFoundError, StorageError } from '../errors.js';

/**
 * Wraps a file-system error from `operation` on `key` into the matching {@link StorageError}. Anything else (a
 * storage error already, the body's own error, an abort) is returned unchanged.
 */
export function fsError(error: unknown, operation: string, key: string, url: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (error instanceof StorageError || !(error instanceof Error) || !('syscall' in error) || typeof code !== 'string') {
    return error;
  }
  const message = `${operation} ${key} in ${url}: ${code ?? String(error)}`;
  if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return new NotFoundError(message, { key, cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new AccessDeniedError(message, { key, cause: error });
  return new StorageError('STORAGE_FAILURE', message, { key, cause: error });
}

/** True for the errors that mean "there is no such file". */
export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
