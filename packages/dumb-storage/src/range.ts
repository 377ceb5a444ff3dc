import { InvalidRangeError } from './errors.js';

/** Checks the arguments of `getRange` before any I/O: non-negative safe integers. */
export function checkRangeArguments(key: string, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new InvalidRangeError(`invalid range (offset ${offset}, length ${length}) for ${key}`, { key });
  }
}

/** Checks that `length` bytes at `offset` lie inside an object of `size` bytes. */
export function checkRangeInside(key: string, offset: number, length: number, size: number): void {
  if (offset + length > size) {
    throw new InvalidRangeError(`range ${offset}+${length} is past the end of ${key} (${size} bytes)`, { key });
  }
}
