import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Parses a transfer rate into bytes per second: `2048`, `512B/s`, `1k/s`, `1KiB/s`, `10MB/s` (binary units). */
export function parseRate(value: string | number, what: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:i?b)?\s*(?:\/\s*s)?\s*$/i.exec(String(value));
  const rate = match ? Math.floor(Number(match[1]) * UNITS[match[2].toLowerCase()]) : NaN;
  if (!(rate > 0)) throw new UsageError(`${what}: '${value}' is not a transfer rate of at least 1 byte/s (examples: 1KiB/s, 512B/s, 10M/s)`);
  return rate;
}
