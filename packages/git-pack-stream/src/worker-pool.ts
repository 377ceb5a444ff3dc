import { Worker } from 'node:worker_threads';
import { BaseCache, type BaseCacheState } from './base-cache.js';
import { budgetShares } from './budget.js';
import { ForestResolver } from './delta-resolver.js';
import { EntryReader } from './entry-reader.js';
import type { DeltaForest } from './delta-forest.js';
import { DeltaStore, type DeltaStoreMemory } from './delta-store.js';
import type { EntryBatch } from './entry-batch.js';
import { PackError, type PackErrorCode } from './errors.js';
import type { ObjectColumns } from './object-table.js';
import type { ReadRanges } from './range-reads.js';

/** What each worker is set up with once the pack has streamed in. */
export interface WorkerSetup {
  columns: ObjectColumns;
  forest: DeltaForest;
  store: DeltaStoreMemory;
  cacheBytes: number;
  batchBytes: number;
  maxObjectSize: number;
}

/** Messages from the main thread to a resolver worker. */
export type ToWorker =
  | { kind: 'stream-setup'; handover: { cache: BaseCacheState; types: Uint8Array }; maxObjectSize: number; store: DeltaStoreMemory }
  | { kind: 'stream'; batch: EntryBatch }
  | { kind: 'setup'; setup: WorkerSetup }
  | { kind: 'resolve'; roots: Int32Array }
  | { kind: 'read'; id: number; chunks?: Uint8Array[]; error?: string }
  | { kind: 'finish' };

/** Messages from a resolver worker to the main thread. */
export type FromWorker =
  | { kind: 'streamed'; indices: Int32Array; types: Uint8Array; ids: Uint8Array; data: Uint8Array; peakCacheBytes: number }
  | { kind: 'read'; id: number; ranges: [number, number][] }
  | { kind: 'progress'; resolved: number }
  | { kind: 'done'; resolved: number }
  | { kind: 'stats'; peakCacheBytes: number; reads: number }
  | { kind: 'error'; message: string; code?: PackErrorCode; offset?: number };

/** How a pool run went. */
export interface PoolOutcome {
  /** Largest base cache peak among the workers. */
  peakCacheBytes: number;
  /** Ranges read by all workers. */
  reads: number;
}

interface PoolRun {
  columns: ObjectColumns;
  forest: DeltaForest;
  /** The cache this thread resolves with, if it has a warm one. */
  cache?: BaseCache;
  readRanges: ReadRanges;
  budget: number;
  onResolved: (resolved: number) => void;
  signal: AbortSignal | undefined;
}

/** Root groups handed out per thread, so that a thread stuck with a big tree does not hold up the rest. */
const GROUPS_PER_THREAD = 16;

/**
 * Receives the deltas a worker resolved from a batch (entry indices, types and ids of 20 bytes),
 * and the batch's data buffer back, for reuse.
 */
export type OnStreamed = (indices: Int32Array, types: Uint8Array, ids: Uint8Array, data: Uint8Array) => void;

/**
 * Delta resolver workers. The first starts with the pack: it is sent the entries as they are
 * parsed and resolves the deltas whose base it still caches. Once the pack has streamed in, this
 * thread and any more workers join it to resolve the rest: the columns and the forest are shared
 * memory, roots are handed out in groups as resolvers finish the previous ones, and workers ask
 * this thread for every read.
 */
export class ResolverPool {
  /** Most bytes the stream worker's cache held while the pack streamed in. */
  streamPeakCacheBytes = 0;
  readonly #workers: Worker[] = [];
  #streamWorker: Worker | undefined;
  #batchesInFlight = 0;
  #streamError: Error | undefined;
  #onBatchDone: (() => void) | undefined;

  readonly #store: DeltaStore;

  /** Deltas kept in `store` are not read back. */
  constructor(store: DeltaStore) {
    this.#store = store;
  }

  /**
   * Starts a worker to resolve deltas while the pack streams in: it carries on with `handover`,
   * the cache (and types) of the resolver that did so far, from {@link StreamResolver.detach}.
   */
  startStreaming(handover: { cache: BaseCacheState; types: Uint8Array }, maxObjectSize: number, onStreamed: OnStreamed): void {
    const worker = this.#workers[0] ?? this.#spawn();
    this.#streamWorker = worker;
    worker.on('message', (message: FromWorker) => {
      if (message.kind === 'streamed') {
        this.streamPeakCacheBytes = message.peakCacheBytes;
        onStreamed(message.indices, message.types, message.ids, message.data);
      }
      else if (message.kind === 'error' && this.#batchesInFlight > 0) this.#streamError = workerError(message);
      else return;
      this.#batchesInFlight--;
      this.#onBatchDone?.();
    });
    worker.on('error', (error) => {
      this.#streamError ??= error;
      this.#onBatchDone?.();
    });
    const setup: ToWorker = { kind: 'stream-setup', handover, maxObjectSize, store: this.#store.memory };
    worker.postMessage(setup, [handover.cache.arena, handover.types.buffer as ArrayBuffer]);
  }

  /** Sends a batch of parsed entries to the stream worker. */
  stream(batch: EntryBatch): void {
    this.#throwStreamError();
    this.#batchesInFlight++;
    this.#streamWorker!.postMessage({ kind: 'stream', batch } satisfies ToWorker, [batch.data.buffer as ArrayBuffer]);
  }

  /** Waits until at most `limit` batches are being processed, then throws any error they met. */
  async settle(limit = 0): Promise<void> {
    while (this.#batchesInFlight > limit && this.#streamError === undefined) {
      await new Promise<void>((resume) => (this.#onBatchDone = resume));
    }
    this.#throwStreamError();
  }

  /** Adds workers up to `threads` resolver threads in all, counting this one. */
  grow(threads: number): void {
    while (this.#workers.length + 1 < threads) this.#spawn();
  }

  /**
   * Resolves every delta of `run.forest` in the workers and on this thread, which would otherwise
   * sit idle: `threads` resolvers in all.
   */
  async resolve(run: PoolRun): Promise<PoolOutcome> {
    const { columns, forest, readRanges, onResolved, signal } = run;
    const { roots } = forest;
    const threads = this.#workers.length + 1;
    const shares = budgetShares(run.budget, threads);
    const setup: WorkerSetup = { columns, forest, store: this.#store.memory, ...shares };
    const groupSize = Math.max(1, Math.ceil(roots.length / (threads * GROUPS_PER_THREAD)));
    const resolvedBy = new Array<number>(threads).fill(0);
    const report = (slot: number, resolved: number) => {
      resolvedBy[slot] = resolved;
      onResolved(resolvedBy.reduce((sum, n) => sum + n, 0));
    };
    const outcome: PoolOutcome = { peakCacheBytes: 0, reads: 0 };
    let nextRoot = 0;
    const nextGroup = (): Int32Array | undefined => {
      if (nextRoot >= roots.length) return undefined;
      nextRoot += groupSize;
      return roots.slice(nextRoot - groupSize, nextRoot);
    };

    const drive = (worker: Worker, slot: number) =>
      new Promise<void>((resolve, reject) => {
        const sendGroup = () => {
          const group = nextGroup();
          this.#post(worker, group ? { kind: 'resolve', roots: group } : { kind: 'finish' });
        };
        worker.on('message', (message: FromWorker) => {
          switch (message.kind) {
            case 'read':
              readRanges(message.ranges).then(
                (chunks) => this.#post(worker, { kind: 'read', id: message.id, chunks }),
                (error: unknown) => this.#post(worker, { kind: 'read', id: message.id, error: (error as Error)?.message ?? String(error) }),
              );
              break;
            case 'progress':
            case 'done':
              report(slot, message.resolved);
              if (message.kind === 'done') sendGroup();
              break;
            case 'stats':
              outcome.peakCacheBytes = Math.max(outcome.peakCacheBytes, message.peakCacheBytes);
              outcome.reads += message.reads;
              resolve();
              break;
            case 'error':
              reject(workerError(message));
              break;
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => reject(new Error(`delta resolver worker exited with code ${code}`)));
        this.#post(worker, { kind: 'setup', setup });
        sendGroup();
      });

    const resolveHere = async (slot: number) => {
      const cache = run.cache ?? new BaseCache(shares.cacheBytes);
      const reader = new EntryReader(readRanges, columns, { batchBytes: shares.batchBytes });
      const resolver = new ForestResolver(columns, forest, cache, this.#store, reader, shares.maxObjectSize, true);
      try {
        for (let group = nextGroup(); group !== undefined; group = nextGroup()) {
          await resolver.resolve(group, (resolved) => report(slot, resolved));
        }
      } finally {
        resolver.close();
      }
      outcome.peakCacheBytes = Math.max(outcome.peakCacheBytes, cache.peakBytes);
      outcome.reads += reader.reads;
    };

    const aborted = new Promise<never>((_, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    await Promise.race([Promise.all([...this.#workers.map(drive), resolveHere(this.#workers.length)]), aborted]);
    return outcome;
  }

  /** Workers started. */
  get workers(): number {
    return this.#workers.length;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }

  #spawn(): Worker {
    const worker = new Worker(new URL('./resolve-worker.js', import.meta.url), { resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.on('error', () => {});
    this.#workers.push(worker);
    return worker;
  }

  #post(worker: Worker, message: ToWorker): void {
    worker.postMessage(message);
  }

  #throwStreamError(): void {
    if (this.#streamError !== undefined) throw this.#streamError;
  }
}

function workerError(message: Extract<FromWorker, { kind: 'error' }>): Error {
  return message.code ? new PackError(message.code, message.message, message.offset) : new Error(message.message);
}
