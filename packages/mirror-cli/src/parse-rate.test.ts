import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parseRate } from './parse-rate.js';

describe('parseRate', () => {
  it('reads bytes per second with binary units and an optional B and /s', () => {
    expect(['2048', '512B/s', '1k/s', '1KiB/s', '1.5 KB / s', '10M/s', '1g'].map((text) => parseRate(text, '--min-rate'))).toEqual([
      2048, 512, 1024, 1024, 1536, 10 * 1024 ** 2, 1024 ** 3,
    ]);
    expect(parseRate(300, '--min-rate')).toBe(300);
  });

  it('refuses zero, negative and malformed rates, naming the option', () => {
    for (const text of ['0', '0.1', '-1k/s', 'fast', '1KiB/m', '']) {
      expect(() => parseRate(text, '--min-rate')).toThrow(UsageError);
      expect(() => parseRate(text, '--min-rate')).toThrow(/^--min-rate: /);
    }
  });
});
