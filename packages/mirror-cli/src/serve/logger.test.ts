import { describe, expect, it } from 'vitest';
import { createServeLogger } from './logger.js';

function capture(isTTY: boolean) {
  const lines: string[] = [];
  return { output: { isTTY, write: (text: string) => lines.push(text) }, lines };
}

describe('createServeLogger', () => {
  it('writes one JSON line per event with an ISO time, the message and the fields', () => {
    const { output, lines } = capture(false);
    createServeLogger(output).info({ mirror: 'alpha', durationMs: 1234, code: undefined }, 'sync done');
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]!);
    expect(event).toMatchObject({ level: 30, msg: 'sync done', mirror: 'alpha', durationMs: 1234 });
    expect(new Date(event.time).toISOString()).toBe(event.time);
  });

  it('writes human lines on a terminal: clock, mirror, message, duration, error code and the rest', () => {
    const { output, lines } = capture(true);
    const log = createServeLogger(output);
    log.info({ mirror: 'alpha', durationMs: 1234 }, 'sync done');
    log.error({ mirror: 'beta', code: 'AUTH_FAILED', trigger: 'api' }, 'sync failed');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d alpha {2}sync done \(1\.2 s\)\n$/);
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d error beta {2}sync failed \[AUTH_FAILED\] trigger=api\n$/);
  });
});
