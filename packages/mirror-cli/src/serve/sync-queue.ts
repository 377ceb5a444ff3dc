/** Why a sync was asked for. */
export type TriggerReason = 'webhook' | 'api' | 'schedule';

/** What asking for a sync did: queued it, found it queued already, or queued one more after the one running. */
export type TriggerOutcome = 'queued' | 'already-queued' | 'queued-after-current';

/** Where a mirror stands in the queue. */
export type MirrorRunState = 'idle' | 'queued' | 'syncing';

/** Runs one sync of the mirror `name`; `signal` aborts it (shutdown past the grace period). */
export type SyncJob = (name: string, reason: TriggerReason, signal: AbortSignal) => Promise<void>;

/**
 * The queue of syncs behind `serve`: triggers from webhooks, the API and schedules go in, syncs come out. Triggers
 * coalesce per mirror: one for a mirror already queued does nothing; one for a mirror syncing queues exactly one more
 * sync, after it. The in-process queue is {@link LocalSyncQueue}.
 */
export interface SyncQueue {
  trigger(name: string, reason: TriggerReason): Promise<TriggerOutcome>;
  state(name: string): Promise<MirrorRunState>;
  /** Syncs waiting to start. */
  depth(): Promise<number>;
  /**
   * Stops starting syncs (the queued ones are dropped), lets those running finish for up to `graceMs`, then aborts
   * them and waits for them to stop.
   */
  close(graceMs: number): Promise<void>;
}

/** The queue of one process: syncs start in trigger order, `concurrency` at a time. */
export class LocalSyncQueue implements SyncQueue {
  readonly #job: SyncJob;
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

  async state(name: string): Promise<MirrorRunState> {
    return this.#running.has(name) ? 'syncing' : this.#queued.has(name) ? 'queued' : 'idle';
  }

  async depth(): Promise<number> {
    let again = 0;
    for (const running of this.#running.values()) if (running.again) again++;
    return this.#queued.size + again;
  }

  async close(graceMs: number): Promise<void> {
    this.#closed = true;
    this.#queued.clear();
    for (const running of this.#running.values()) running.again = undefined;
    const inFlight = () => Promise.all([...this.#running.values()].map((running) => running.done));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'over'>((resolve) => (timer = setTimeout(() => resolve('over'), graceMs)));
    if ((await Promise.race([inFlight(), graceOver])) === 'over') this.#abort.abort(new Error(`shutting down: syncs still running after the ${graceMs} ms grace period were stopped`));
    clearTimeout(timer);
    await inFlight();
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
      } catch {
        // The job records its own failures; the queue only moves on.
      }
      this.#running.delete(name);
      if (running.again && !this.#closed) this.#queued.set(name, running.again);
      this.#dispatch();
    })();
  }
}
