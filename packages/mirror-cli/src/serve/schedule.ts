import { Cron } from 'croner';
import { UsageError } from '../errors.js';
import { parseDuration } from '../parse-values.js';

/** When a mirror syncs by itself: a cron expression (UTC) or a fixed interval. */
export type Schedule = { kind: 'cron'; text: string; cron: Cron } | { kind: 'interval'; text: string; ms: number };

/** The most a run is put off by jitter, however long the period. */
const MAX_JITTER_MS = 5 * 60 * 1000;
/** Share of the period a run may be put off by. */
const JITTER_SHARE = 0.1;

/**
 * Parses a mirror's `schedule`: a five- or six-field cron expression (`*\/15 * * * *`, evaluated in UTC) or a
 * duration (`10m`, `1h`, `90s`).
 * @throws UsageError (`INVALID_CONFIG`) naming `where` for anything else.
 */
export function parseSchedule(text: string, where: string): Schedule {
  if (/^\s*\d+(\.\d+)?\s*(ms|s|m|h)\s*$/i.test(text)) return { kind: 'interval', text, ms: parseDuration(text, where) };
  try {
    return { kind: 'cron', text, cron: new Cron(text, { timezone: 'UTC', paused: true }) };
  } catch (error) {
    throw new UsageError(`${where}: '${text}' is neither a cron expression nor an interval such as 10m (${(error as Error).message})`, 'INVALID_CONFIG');
  }
}

/**
 * The next run after `after`: the schedule's next time, put off by a random share of the period (up to 10%, at
 * most 5 minutes) so that a thousand mirrors on the same schedule do not all fire in the same second. `random`
 * returns [0, 1).
 */
export function nextRun(schedule: Schedule, after: Date, random: () => number = Math.random): Date {
  if (schedule.kind === 'interval') return new Date(after.getTime() + schedule.ms + jitterMs(schedule, random(), after));
  const first = schedule.cron.nextRun(after);
  if (!first) throw new UsageError(`schedule '${schedule.text}' never fires again`, 'INVALID_CONFIG');
  return new Date(first.getTime() + jitterMs(schedule, random(), after));
}

/** How long a run is put off for `share` (in [0, 1)) of the most it may be: 10% of the period, at most 5 minutes. */
export function jitterMs(schedule: Schedule, share: number, after: Date = new Date()): number {
  return Math.floor(share * Math.min(MAX_JITTER_MS, periodOf(schedule, after) * JITTER_SHARE));
}

/** The time between two runs of a schedule (of the next two, for cron). */
function periodOf(schedule: Schedule, after: Date = new Date()): number {
  if (schedule.kind === 'interval') return schedule.ms;
  const [first, second] = schedule.cron.nextRuns(2, after);
  return first && second ? second.getTime() - first.getTime() : 0;
}

