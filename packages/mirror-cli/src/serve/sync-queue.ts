import { MirrorHistory } from './mirror-history.js';
import type { MirrorRunState, QueueStatus } from './queue-status.js';
import { nextRun, type Schedule } from './schedule.js';

export type { MirrorRunState, QueueStatus } from './queue-status.js';

/** Why a sync was asked for. */
export type TriggerReason = 'webhook' | 'api' | 'schedule';

/** What asking for a sync did: queued it, found it queued already, or queued one more after the one running. */
export type TriggerOutcome = 'queued' | 'already-queued' | 'queued-after-current';


/**
 * Runs one sync of the mirror `name`; `signal` aborts it (shutdown past the grace period). It throws a
 * {@link SyncFailure} when the sync failed (any other error counts as one with code `ERROR`).
 */
export type SyncJob = (name: string, reason: TriggerReason, signal: AbortSignal) => Promise<void>;

/** A failed sync as the queue records it: the error's code and message. */
export class SyncFailure extends Error {
  override name = 'SyncFailure';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A mirror and when it syncs by itself. */
export interface ScheduledMirror {
  name: string;
  schedule?: Schedule;
}

/**
 * The queue of syncs behind `serve`: triggers from webhooks, the API and schedules go in, syncs come out. Triggers
 * coalesce per mirror: one for a mirror already queued does nothing; one for a mirror syncing queues exactly one more
 * sync, after it. The in-process queue is {@link LocalSyncQueue}.
 */
export interface SyncQueue {
  trigger(name: string, reason: TriggerReason): Promise<TriggerOutcome>;
  /** The status of each of `names`, in order (idle and never synced for a name the queue does not know). */
  statuses(names: readonly string[]): Promise<QueueStatus[]>;
  /** Syncs waiting to start. */
  depth(): Promise<number>;
  /** Syncs each mirror on its schedule from now on, in place of the previous schedules (mirrors without one: none). */
  schedule(mirrors: readonly ScheduledMirror[]): Promise<void>;
  /**
   * Stops starting syncs (the queued ones are dropped), lets those running finish for up to `graceMs`, then aborts
   * them and waits for them to stop.
   */
  close(graceMs: number): Promise<void>;
}

/**
 * The queue of one process: syncs start in trigger order, `concurrency` at a time; schedules are timers of this
 * process, each run put off by random jitter ({@link nextRun}); the history lives in memory.
 */
export class LocalSyncQueue implements SyncQueue {
  readonly #job: SyncJob;
  readonly #history = new MirrorHistory();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #concurrency: number;
  /** Mirrors waiting, in order, with the reason of their first trigger. */
  readonly #queued = new Map<string, TriggerReason>();
  /** Mirrors syncing, and whether one more sync was asked for meanwhile. */
  readonly #running = new Map<string, { again?: TriggerReason; done: Promise<void> }>();
  readonly #abort = new AbortController();
  #closed = false;

  constructor(job: SyncJob, options: { concurrency: number }) {
    this.#job = job;
    this.#concurrency = Math.max(1, options.concurrency);
  }

  async trigger(name: string, reason: TriggerReason): Promise<TriggerOutcome> {
    if (this.#queued.has(name)) return 'already-queued';
    const running = this.#running.get(name);
    if (running) {
      if (running.again) return 'already-queued';
      running.again = reason;
      return 'queued-after-current';
    }
    if (this.#closed) return 'already-queued';
    this.#queued.set(name, reason);
    this.#dispatch();
    return 'queued';
  }

  async statuses(names: readonly string[]): Promise<QueueStatus[]> {
    return names.map((name) => this.#history.status(name, this.#running.has(name) ? 'syncing' : this.#queued.has(name) ? 'queued' : 'idle'));
  }

  async schedule(mirrors: readonly ScheduledMirror[]): Promise<void> {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#history.keepOnly(new Set(mirrors.map((mirror) => mirror.name)));
    if (this.#closed) return;
    for (const mirror of mirrors) this.#scheduleNext(mirror.name, mirror.schedule);
  }

  #scheduleNext(name: string, schedule: Schedule | undefined): void {
    if (!schedule) return this.#history.scheduled(name, undefined);
    const at = nextRun(schedule, new Date());
    this.#history.scheduled(name, at);
    // Timers fire at most about 24.8 days out: a later run is reached in steps.
    const delay = Math.max(0, Math.min(at.getTime() - Date.now(), 2 ** 31 - 1));
    this.#timers.set(
      name,
      setTimeout(() => {
        if (Date.now() >= at.getTime()) void this.trigger(name, 'schedule');
        this.#scheduleNext(name, schedule);
      }, delay),
    );
  }

  async depth(): Promise<number> {
    let again = 0;
    for (const running of this.#running.values()) if (running.again) again++;
    return this.#queued.size + again;
  }

  async close(graceMs: number): Promise<void> {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#queued.clear();
    for (const running of this.#running.values()) running.again = undefined;
    await finishWithin(Promise.all([...this.#running.values()].map((running) => running.done)), graceMs, (reason) => this.#abort.abort(reason));
  }

  #dispatch(): void {
    while (!this.#closed && this.#running.size < this.#concurrency && this.#queued.size > 0) {
      const [name, reason] = this.#queued.entries().next().value as [string, TriggerReason];
      this.#queued.delete(name);
      this.#start(name, reason);
    }
  }

  #start(name: string, reason: TriggerReason): void {
    const running: { again?: TriggerReason; done: Promise<void> } = { done: Promise.resolve() };
    this.#running.set(name, running);
    running.done = (async () => {
      try {
        await this.#job(name, reason, this.#abort.signal);
        this.#history.succeeded(name, new Date());
      } catch (error) {
        this.#history.failed(name, new Date(), failureOf(error));
      }
      this.#running.delete(name);
      if (running.again && !this.#closed) this.#queued.set(name, running.again);
      this.#dispatch();
    })();
  }
}

/**
 * Waits for the syncs in flight (`done`) to end; once `graceMs` have passed without that, calls `stop` with the reason
 * to give them, then waits for them to stop.
 */
export async function finishWithin(done: Promise<unknown>, graceMs: number, stop: (reason: Error) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceOver = new Promise<'over'>((resolve) => (timer = setTimeout(() => resolve('over'), graceMs)));
  if ((await Promise.race([done, graceOver])) === 'over') stop(new Error(`shutting down: syncs still running after the ${graceMs} ms grace period were stopped`));
  clearTimeout(timer);
  await done;
}

/** The code and message a failed sync is recorded with. */
export function failureOf(error: unknown): { code: string; message: string } {
  if (error instanceof SyncFailure) return { code: error.code, message: error.message };
  return { code: 'ERROR', message: error instanceof Error ? error.message : String(error) };
}
