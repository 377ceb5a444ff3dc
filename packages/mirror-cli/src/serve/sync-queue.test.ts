import { describe, expect, it } from 'vitest';
import { LocalSyncQueue, type TriggerReason } from './sync-queue.js';

/** Jobs that end when the test says. */
function controlledJobs() {
  const started: { name: string; reason: TriggerReason; ended?: 'finished' | 'aborted'; finish: () => void }[] = [];
  const job = (name: string, reason: TriggerReason, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const sync: (typeof started)[number] = { name, reason, finish: () => ((sync.ended ??= 'finished'), resolve()) };
      started.push(sync);
      signal.addEventListener('abort', () => ((sync.ended ??= 'aborted'), reject(signal.reason)), { once: true });
    });
  return { started, job };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('LocalSyncQueue', () => {
  it('coalesces: a trigger while queued does nothing, one while syncing queues exactly one more', async () => {
    const { started, job } = controlledJobs();
    const queue = new LocalSyncQueue(job, { concurrency: 1 });
    expect(await queue.trigger('a', 'api')).toBe('queued');
    expect(await queue.trigger('b', 'webhook')).toBe('queued');
    expect(await queue.trigger('b', 'schedule')).toBe('already-queued');
    expect([await queue.state('a'), await queue.state('b'), await queue.state('c')]).toEqual(['syncing', 'queued', 'idle']);
    expect(await queue.trigger('a', 'webhook')).toBe('queued-after-current');
    expect(await queue.trigger('a', 'webhook')).toBe('already-queued');
    expect(await queue.depth()).toBe(2);

    started[0]!.finish();
    await settle();
    expect(started.map((sync) => [sync.name, sync.reason])).toEqual([['a', 'api'], ['b', 'webhook']]);
    expect(await queue.state('a')).toBe('queued');
    started[1]!.finish();
    await settle();
    expect(started.map((sync) => [sync.name, sync.reason])).toEqual([['a', 'api'], ['b', 'webhook'], ['a', 'webhook']]);
    started[2]!.finish();
    await settle();
    expect(started).toHaveLength(3);
    expect(await queue.depth()).toBe(0);
    expect(await queue.state('a')).toBe('idle');
  });

  it('runs `concurrency` syncs at a time, in trigger order, and goes on after a failing one', async () => {
    const started: string[] = [];
    const endings = new Map<string, (error?: Error) => void>();
    const queue = new LocalSyncQueue(
      (name) =>
        new Promise<void>((resolve, reject) => {
          started.push(name);
          endings.set(name, (error) => (error ? reject(error) : resolve()));
        }),
      { concurrency: 2 },
    );
    for (const name of ['a', 'b', 'c', 'd']) await queue.trigger(name, 'schedule');
    expect(started).toEqual(['a', 'b']);
    endings.get('b')!(new Error('failed'));
    await settle();
    expect(started).toEqual(['a', 'b', 'c']);
    endings.get('a')!();
    await settle();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('on close, drops what is queued, waits for running syncs within the grace period, then aborts them', async () => {
    const { started, job } = controlledJobs();
    const queue = new LocalSyncQueue(job, { concurrency: 2 });
    for (const name of ['a', 'b', 'c']) await queue.trigger(name, 'api');
    await queue.trigger('a', 'api');
    const closing = queue.close(200);
    setTimeout(() => started[0]!.finish(), 20);
    const begun = Date.now();
    await closing;
    expect(Date.now() - begun).toBeGreaterThanOrEqual(190);
    expect(started.map((sync) => sync.name)).toEqual(['a', 'b']);
    expect(started.map((sync) => sync.ended)).toEqual(['finished', 'aborted']);
    expect(await queue.trigger('c', 'api')).toBe('already-queued');
    expect(await queue.depth()).toBe(0);
  });

  it('closes at once when nothing runs past the grace period', async () => {
    const { started, job } = controlledJobs();
    const queue = new LocalSyncQueue(job, { concurrency: 1 });
    await queue.trigger('a', 'api');
    setTimeout(() => started[0]!.finish(), 10);
    const begun = Date.now();
    await queue.close(10_000);
    expect(Date.now() - begun).toBeLessThan(2_000);
    expect(started[0]!.ended).toBe('finished');
  });
});
