import { UsageError } from './errors.js';

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
const DURATION_UNITS: Record<string, number> = { ms: 1, '': 1000, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a byte size: `134217728`, `512k`, `128M`, `128MiB`, `1G` (binary units). */
export function parseSize(value: string | number, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*$/i.exec(String(value));
  if (!match) throw new UsageError(`${what}: '${value}' is not a size (examples: 64M, 1G, 134217728)`);
  const bytes = Math.floor(Number(match[1]) * SIZE_UNITS[match[2].toLowerCase()]);
  if (bytes < 1024 * 1024) throw new UsageError(`${what}: ${value} is too small (at least 1M)`);
  return bytes;
}

/** Parses a duration into milliseconds: a plain number is seconds; `500ms`, `30s`, `2m`, `1h`. */
export function parseDuration(value: string | number, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|)\s*$/i.exec(String(value));
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2].toLowerCase()] : NaN;
  if (!(ms > 0)) throw new UsageError(`${what}: '${value}' is not a duration (examples: 30, 30s, 2m, 500ms)`);
  return Math.round(ms);
}

/** Parses a whole number of at least `min`. */
export function parseCount(value: string | number, what: string, min: number): number {
  const count = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(count) || count < min) throw new UsageError(`${what}: '${value}' is not a whole number of at least ${min}`);
  return count;
}

/** Parses `true/false`, `1/0`, `yes/no`, `on/off`. */
export function parseBoolean(value: string | boolean, what: string): boolean {
  if (typeof value === 'boolean') return value;
  const text = value.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(text)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(text)) return false;
  throw new UsageError(`${what}: '${value}' is not a boolean (use true or false)`);
}

/** Splits a `Name: value` header; the value is never part of an error message. */
export function parseHeader(text: string, what: string): [name: string, value: string] {
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name)) throw new UsageError(`${what}: expected 'Name: value', got a header without a valid name`);
  return [name, text.slice(colon + 1).trim()];
}
