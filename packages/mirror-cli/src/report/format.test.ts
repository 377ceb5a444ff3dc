import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRate } from './format.js';

describe('human-readable sizes, durations and rates', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.50 KiB'],
    [15 * 1024 * 1024, '15.0 MiB'],
    [300 * 1024 ** 3, '300 GiB'],
  ])('%d bytes read %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it.each([
    [12.4, '12 ms'],
    [1234, '1.2 s'],
    [75_000, '1m15s'],
  ])('%d ms read %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('gives a rate only once time has passed', () => {
    expect(formatRate(3 * 1024 * 1024, 2000)).toBe('1.50 MiB/s');
    expect(formatRate(1024, 0)).toBe('');
  });
});
