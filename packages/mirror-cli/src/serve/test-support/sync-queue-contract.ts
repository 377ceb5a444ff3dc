import { afterEach, describe, expect, it } from 'vitest';
import { parseSchedule } from '../schedule.js';
import { SyncFailure, type SyncJob, type SyncQueue, type TriggerReason } from '../sync-queue.js';

/** Opens a fresh, empty queue running `job`, `concurrency` at a time, a failing sync tried once. */
export type OpenQueue = (job: SyncJob, options: { concurrency: number }) => Promise<SyncQueue>;

interface Started {
  name: string;
  reason: TriggerReason;
  ended?: 'finished' | 'failed' | 'aborted';
  finish(): void;
  fail(error: Error): void;
}

/** Jobs that end when the test says. */
function controlledJobs() {
  const started: Started[] = [];
  const job: SyncJob = (name, reason, signal) =>
    new Promise<void>((resolve, reject) => {
      const sync: Started = {
        name,
        reason,
        finish: () => ((sync.ended ??= 'finished'), resolve()),
        fail: (error) => ((sync.ended ??= 'failed'), reject(error)),
      };
      started.push(sync);
      signal.addEventListener('abort', () => ((sync.ended ??= 'aborted'), reject(signal.reason)), { once: true });
    });
  return { started, job };
}

/** Polls until `check` holds (every 20 ms, at most `ms`). */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * The behaviour every {@link SyncQueue} shares, whichever engine runs it: coalescing per mirror, concurrency, the
 * history of successes and failures, schedules, depth, and a close that lets running syncs finish for the grace
 * period, then aborts them.
 */
export function describeSyncQueue(title: string, open: OpenQueue | undefined, skipReason?: string): void {
  describe(title, () => {
    const opened: SyncQueue[] = [];
    const fresh = async (job: SyncJob, concurrency: number) => {
      const queue = await open!(job, { concurrency });
      opened.push(queue);
      return queue;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close(0).catch(() => {})));
    });
    const test = (name: string, body: () => Promise<void>) => it.skipIf(!open)(`${name}${skipReason ? ` (skipped: ${skipReason})` : ''}`, { timeout: 30_000 }, body);

    test('coalesces: a trigger while queued does nothing, one while syncing queues exactly one more', async () => {
      const { started, job } = controlledJobs();
      const queue = await fresh(job, 1);
      expect(await queue.trigger('a', 'api')).toBe('queued');
      await until(() => started.length === 1, 'a to start');
      expect(await queue.trigger('b', 'webhook')).toBe('queued');
      expect(await queue.trigger('b', 'schedule')).toBe('already-queued');
      expect((await queue.statuses(['a', 'b', 'c'])).map((status) => status.state)).toEqual(['syncing', 'queued', 'idle']);
      expect(await queue.trigger('a', 'webhook')).toBe('queued-after-current');
      expect(await queue.trigger('a', 'webhook')).toBe('already-queued');
      expect(await queue.depth()).toBe(2);

      started[0]!.finish();
      await until(() => started.length === 2, 'b to start');
      expect(started.map((sync) => [sync.name, sync.reason])).toEqual([['a', 'api'], ['b', 'webhook']]);
      started[1]!.finish();
      await until(() => started.length === 3, 'the second sync of a');
      expect(started[2]).toMatchObject({ name: 'a', reason: 'webhook' });
      started[2]!.finish();
      await until(async () => (await queue.statuses(['a']))[0]!.state === 'idle', 'a to be idle');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(started).toHaveLength(3);
      expect(await queue.depth()).toBe(0);
    });

    test('runs `concurrency` syncs at a time and goes on after a failing one', async () => {
      const { started, job } = controlledJobs();
      const queue = await fresh(job, 2);
      for (const name of ['a', 'b', 'c']) await queue.trigger(name, 'schedule');
      await until(() => started.length === 2, 'two syncs');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(started).toHaveLength(2);
      started[0]!.fail(new SyncFailure('AUTH_FAILED', 'the server refused the credentials'));
      await until(() => started.length === 3, 'the third sync');
      expect(new Set(started.map((sync) => sync.name))).toEqual(new Set(['a', 'b', 'c']));
    });

    test('keeps the last success, the last failure and its error until a sync succeeds again', async () => {
      const { started, job } = controlledJobs();
      const queue = await fresh(job, 1);
      await queue.trigger('m', 'api');
      await until(() => started.length === 1, 'the sync');
      started[0]!.fail(new SyncFailure('AUTH_FAILED', 'the server refused the credentials'));
      await until(async () => (await queue.statuses(['m']))[0]!.lastFailure !== null, 'the failure to be recorded');
      expect((await queue.statuses(['m']))[0]).toMatchObject({ state: 'idle', lastSuccess: null, lastError: { code: 'AUTH_FAILED', message: 'the server refused the credentials' } });
      await queue.trigger('m', 'api');
      await until(() => started.length === 2, 'the second sync');
      started[1]!.finish();
      await until(async () => (await queue.statuses(['m']))[0]!.lastSuccess !== null, 'the success to be recorded');
      const status = (await queue.statuses(['m']))[0]!;
      expect(status.lastError).toBeNull();
      expect(Date.parse(status.lastSuccess!)).toBeGreaterThanOrEqual(Date.parse(status.lastFailure!));
    });

    test('syncs scheduled mirrors by themselves, says when next, and stops when the schedule goes', async () => {
      const { started, job } = controlledJobs();
      const queue = await fresh(job, 2);
      const ticking = () => started.filter((sync) => sync.name === 'tick');
      const finishAll = setInterval(() => started.forEach((sync) => sync.finish()), 50);
      try {
        await queue.schedule([{ name: 'tick', schedule: parseSchedule('1s', 'test') }, { name: 'manual' }]);
        const [tick, manual] = await queue.statuses(['tick', 'manual']);
        expect(Date.parse(tick!.nextScheduled!)).toBeGreaterThan(Date.now() - 1_000);
        expect(manual!.nextScheduled).toBeNull();
        await until(() => ticking().length >= 2, 'two scheduled syncs', 8_000);
        expect(ticking().every((sync) => sync.reason === 'schedule')).toBe(true);
        await queue.schedule([{ name: 'manual' }]);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const count = ticking().length;
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        expect(ticking().length).toBe(count);
        expect((await queue.statuses(['tick']))[0]!.nextScheduled).toBeNull();
      } finally {
        clearInterval(finishAll);
      }
    });

    test('on close, waits for running syncs within the grace period, then aborts them', async () => {
      const { started, job } = controlledJobs();
      const queue = await fresh(job, 2);
      await queue.trigger('a', 'api');
      await queue.trigger('b', 'api');
      await until(() => started.length === 2, 'both syncs');
      setTimeout(() => started.find((sync) => sync.name === 'a')!.finish(), 20);
      const begun = Date.now();
      await queue.close(500);
      expect(Date.now() - begun).toBeGreaterThanOrEqual(450);
      expect(Object.fromEntries(started.map((sync) => [sync.name, sync.ended]))).toEqual({ a: 'finished', b: 'aborted' });
    });
  });
}
