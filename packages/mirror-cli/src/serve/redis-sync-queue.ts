import { createHash, randomUUID } from 'node:crypto';
import { DelayedError, Queue, Worker, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { QueueStatus } from './queue-status.js';
import { jitterMs, type Schedule } from './schedule.js';
import { failureOf, finishWithin, type ScheduledMirror, type SyncJob, type SyncQueue, type TriggerOutcome, type TriggerReason } from './sync-queue.js';

/** Options of {@link RedisSyncQueue}. */
export interface RedisSyncQueueOptions {
  /** `redis://host:port[/db]`. */
  url: string;
  /** Syncs this replica runs at the same time. */
  concurrency: number;
  /** Tries of a failing sync, the first included (default 3). */
  attempts?: number;
  /** Delay before the first retry, doubled for each next one (default 30 s). */
  backoffMs?: number;
  /** Prefix of every Redis key (default `gitmirror`): replicas of one deployment share it. */
  prefix?: string;
  /**
   * How long a replica's claim on a job and on its mirror lasts unless renewed (renewed every third of it while it
   * syncs): a replica that dies is taken over after about this long. Default 30 s.
   */
  lockMs?: number;
  /** Told of connection errors (Redis down or restarting); the connections retry by themselves meanwhile. */
  onError?: (error: Error) => void;
}

interface SyncData {
  name: string;
  reason: TriggerReason;
}

const QUEUE_NAME = 'syncs';
const DEFAULT_LOCK_MS = 30_000;
/** How long a job waits before it tries again to claim a mirror another replica is syncing. */
const LOCKED_RETRY_MS = 1_000;

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * The queue of `serve --queue redis://…`: triggers and schedules are BullMQ jobs in Redis, and every replica runs a
 * worker. Job ids per mirror make triggers coalesce across replicas (`sync.<name>` waits; while it runs, one more may
 * wait as `sync.<name>.again`); a claim in Redis per mirror keeps two replicas from syncing the same mirror at once
 * (a job that finds it claimed waits a second and tries again). Schedules are BullMQ job schedulers, registered once
 * in Redis whichever replica upserts them, each offset by a fixed share of its period derived from the mirror's name,
 * so that mirrors on the same schedule spread out. Failed syncs retry with exponential backoff; a replica that dies
 * mid-sync leaves its job to BullMQ's stalled-job check, which hands it to another. The history (last success, last
 * failure) is a Redis hash per mirror, shared by the replicas.
 */
export class RedisSyncQueue implements SyncQueue {
  readonly #queue: Queue<SyncData>;
  readonly #worker: Worker<SyncData>;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #jobOptions: JobsOptions;
  readonly #aborts = new Set<AbortController>();
  readonly #lockMs: number;
  /** The mirrors last scheduled, upserted again when Redis comes back (a Redis without persistence forgets them). */
  #scheduled: readonly ScheduledMirror[] = [];

  private constructor(job: SyncJob, options: RedisSyncQueueOptions) {
    this.#prefix = options.prefix ?? 'gitmirror';
    this.#lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
    this.#redis = new Redis(options.url, { maxRetriesPerRequest: null, lazyConnect: false });
    this.#queue = new Queue<SyncData>(QUEUE_NAME, { connection: redisOptions(options.url), prefix: this.#prefix });
    this.#jobOptions = {
      attempts: options.attempts ?? 3,
      backoff: { type: 'exponential', delay: options.backoffMs ?? 30_000 },
      removeOnComplete: true,
      removeOnFail: true,
    };
    this.#worker = new Worker<SyncData>(QUEUE_NAME, (bullJob, token) => this.#process(job, bullJob, token), {
      connection: redisOptions(options.url),
      prefix: this.#prefix,
      concurrency: Math.max(1, options.concurrency),
      lockDuration: this.#lockMs,
      stalledInterval: Math.max(1_000, Math.floor(this.#lockMs / 2)),
    });
    // Errors while Redis is gone are retried by ioredis and BullMQ themselves; unheard, they would crash the process.
    const onError = options.onError ?? (() => {});
    this.#worker.on('error', onError);
    this.#queue.on('error', onError);
    this.#redis.on('error', onError);
    let connectedOnce = false;
    this.#redis.on('ready', () => {
      if (connectedOnce) void this.schedule(this.#scheduled).catch(onError);
      connectedOnce = true;
    });
  }

  /** Connects to Redis and starts this replica's worker. */
  static async open(job: SyncJob, options: RedisSyncQueueOptions): Promise<RedisSyncQueue> {
    const queue = new RedisSyncQueue(job, options);
    await Promise.all([queue.#queue.waitUntilReady(), queue.#worker.waitUntilReady(), queue.#redis.ping()]);
    return queue;
  }

  async trigger(name: string, reason: TriggerReason): Promise<TriggerOutcome> {
    const [first, again] = await Promise.all([this.#jobState(jobId(name)), this.#jobState(againId(name))]);
    if (isWaiting(first) || isWaiting(again)) return 'already-queued';
    const running = first === 'active' || again === 'active';
    const id = first === 'active' ? againId(name) : jobId(name);
    await this.#queue.add('sync', { name, reason }, { ...this.#jobOptions, jobId: id });
    return running ? 'queued-after-current' : 'queued';
  }

  async statuses(names: readonly string[]): Promise<QueueStatus[]> {
    return Promise.all(
      names.map(async (name) => {
        const [first, again, history, scheduler] = await Promise.all([
          this.#jobState(jobId(name)),
          this.#jobState(againId(name)),
          this.#redis.hgetall(this.#historyKey(name)),
          this.#queue.getJobScheduler(schedulerId(name)),
        ]);
        const state = first === 'active' || again === 'active' || (await this.#redis.exists(this.#lockKey(name))) ? 'syncing' : isWaiting(first) || isWaiting(again) ? 'queued' : 'idle';
        return {
          state,
          lastSuccess: history.lastSuccess ?? null,
          lastFailure: history.lastFailure ?? null,
          lastError: history.lastErrorCode ? { code: history.lastErrorCode, message: history.lastErrorMessage ?? '' } : null,
          nextScheduled: scheduler?.next ? new Date(scheduler.next).toISOString() : null,
        } satisfies QueueStatus;
      }),
    );
  }

  async depth(): Promise<number> {
    const counts = await this.#queue.getJobCounts('waiting', 'prioritized');
    return (counts.waiting ?? 0) + (counts.prioritized ?? 0);
  }

  async schedule(mirrors: readonly ScheduledMirror[]): Promise<void> {
    this.#scheduled = mirrors;
    const wanted = new Set<string>();
    for (const mirror of mirrors) {
      if (!mirror.schedule) continue;
      wanted.add(schedulerId(mirror.name));
      const offset = spreadMs(mirror.name, mirror.schedule);
      const repeat = mirror.schedule.kind === 'cron' ? { pattern: mirror.schedule.text, tz: 'UTC', offset } : { every: mirror.schedule.ms, offset };
      await this.#queue.upsertJobScheduler(schedulerId(mirror.name), repeat, { name: 'sync', data: { name: mirror.name, reason: 'schedule' }, opts: this.#jobOptions });
    }
    for (const scheduler of await this.#queue.getJobSchedulers(0, -1)) {
      if (scheduler.key.startsWith('schedule.') && !wanted.has(scheduler.key)) await this.#queue.removeJobScheduler(scheduler.key);
    }
  }

  async close(graceMs: number): Promise<void> {
    // The worker's close waits for its jobs in flight.
    await finishWithin(this.#worker.close(), graceMs, (reason) => this.#aborts.forEach((abort) => abort.abort(reason)));
    await this.#queue.close();
    await this.#redis.quit();
  }

  async #process(job: SyncJob, bullJob: Job<SyncData>, token: string | undefined): Promise<void> {
    const { name, reason } = bullJob.data;
    const claim = randomUUID();
    const lockKey = this.#lockKey(name);
    if ((await this.#redis.set(lockKey, claim, 'PX', this.#lockMs, 'NX')) !== 'OK') {
      await bullJob.moveToDelayed(Date.now() + LOCKED_RETRY_MS, token);
      throw new DelayedError();
    }
    const renew = setInterval(() => void this.#redis.eval(RENEW, 1, lockKey, claim, this.#lockMs).catch(() => {}), this.#lockMs / 3);
    const abort = new AbortController();
    this.#aborts.add(abort);
    try {
      await job(name, reason, abort.signal);
      await this.#redis.multi().hset(this.#historyKey(name), { lastSuccess: new Date().toISOString() }).hdel(this.#historyKey(name), 'lastErrorCode', 'lastErrorMessage').exec();
    } catch (error) {
      const failure = failureOf(error);
      await this.#redis.hset(this.#historyKey(name), { lastFailure: new Date().toISOString(), lastErrorCode: failure.code, lastErrorMessage: failure.message });
      throw error;
    } finally {
      clearInterval(renew);
      this.#aborts.delete(abort);
      await this.#redis.eval(RELEASE, 1, lockKey, claim).catch(() => {});
    }
  }

  async #jobState(id: string): Promise<string | undefined> {
    const job = await this.#queue.getJob(id);
    return job ? job.getState() : undefined;
  }

  #lockKey(name: string): string {
    return `${this.#prefix}:mirror-lock:${name}`;
  }

  #historyKey(name: string): string {
    return `${this.#prefix}:history:${name}`;
  }
}

/** BullMQ's connection options for a `redis://` URL (each BullMQ class opens its own connection). */
function redisOptions(url: string): { host: string; port: number; db: number; username?: string; password?: string; maxRetriesPerRequest: null } {
  const parsed = new URL(url);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    db: Number(parsed.pathname.slice(1) || 0),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    maxRetriesPerRequest: null,
  };
}

function isWaiting(state: string | undefined): boolean {
  return state === 'waiting' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children';
}

function jobId(name: string): string {
  return `sync.${name}`;
}

function againId(name: string): string {
  return `sync.${name}.again`;
}

function schedulerId(name: string): string {
  return `schedule.${name}`;
}

/** A fixed offset of a mirror's schedule: the jitter of a share of it derived from the mirror's name. */
function spreadMs(name: string, schedule: Schedule): number {
  return jitterMs(schedule, createHash('sha256').update(name).digest().readUInt32BE(0) / 2 ** 32);
}
