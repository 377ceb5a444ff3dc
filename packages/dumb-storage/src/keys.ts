import { InvalidKeyError } from './errors.js';

/** Prefix of the names sinks reserve for their own bookkeeping (temporary and lock files); keys may not use it. */
export const RESERVED_NAME_PREFIX = '.gitmirror-';

/**
 * Checks that `key` names an object under the storage root and returns it.
 * Rejects empty keys, absolute keys, `.` and `..` segments, empty segments (`a//b`, trailing `/`), backslashes,
 * NUL and segments starting with {@link RESERVED_NAME_PREFIX}.
 */
export function validateKey(key: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError('key is empty', { key });
  if (key.includes('\0')) throw new InvalidKeyError('key contains NUL', { key: key.replaceAll('\0', '\\0') });
  if (key.includes('\\')) throw new InvalidKeyError(`key contains a backslash: ${key}`, { key });
  if (key.startsWith('/')) throw new InvalidKeyError(`key is absolute: ${key}`, { key });
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidKeyError(`key has an empty segment: ${key}`, { key });
    if (segment === '.' || segment === '..') throw new InvalidKeyError(`key has a '${segment}' segment: ${key}`, { key });
    if (segment.startsWith(RESERVED_NAME_PREFIX)) {
      throw new InvalidKeyError(`key uses the reserved name prefix ${RESERVED_NAME_PREFIX}: ${key}`, { key });
    }
  }
  return key;
}

/**
 * Checks a `list` prefix: `''` lists everything; otherwise it must be a valid key, optionally ending in `/`.
 */
export function validatePrefix(prefix: string): string {
  if (prefix === '') return prefix;
  validateKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}
