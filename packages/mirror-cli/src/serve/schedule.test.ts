import { describe, expect, it } from 'vitest';
import { nextRun, parseSchedule } from './schedule.js';

describe('parseSchedule and nextRun', () => {
  const noon = new Date('2026-12-07T12:00:00Z');

  it('runs an interval that long after, put off by at most a tenth of it', () => {
    const schedule = parseSchedule('10m', 'mirror a');
    expect(schedule).toMatchObject({ kind: 'interval', ms: 600_000 });
    expect(nextRun(schedule, noon, () => 0).toISOString()).toBe('2026-12-07T12:10:00.000Z');
    expect(nextRun(schedule, noon, () => 0.999).getTime() - noon.getTime()).toBe(600_000 + 59_940);
  });

  it('runs cron expressions in UTC at their next time, with jitter of at most 10% of the period and 5 minutes', () => {
    const quarter = parseSchedule('*/15 * * * *', 'mirror a');
    expect(nextRun(quarter, noon, () => 0).toISOString()).toBe('2026-12-07T12:15:00.000Z');
    expect(nextRun(quarter, noon, () => 0.5).toISOString()).toBe('2026-12-07T12:15:45.000Z');
    const daily = parseSchedule('0 3 * * *', 'mirror a');
    expect(nextRun(daily, noon, () => 0.999).toISOString()).toBe('2026-12-08T03:04:59.700Z');
  });

  it('refuses what is neither, naming where it was', () => {
    expect(() => parseSchedule('every tuesday', 'mirrors.yaml: mirror 3')).toThrow(/mirrors\.yaml: mirror 3: 'every tuesday' is neither a cron expression nor an interval/);
    expect(() => parseSchedule('61 * * * *', 'm')).toThrow(/neither/);
  });
});
