import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { BaseCacheState } from './base-cache.js';
import type { DeltaStore, DeltaStoreMemory } from './delta-store.js';
import type { EntryBatch } from './entry-batch.js';
import { PackError, type PackErrorCode } from './errors.js';

/** Messages from the main thread to a resolver worker. */
export type ToWorker =
  | { kind: 'stream-setup'; handover: { cache: BaseCacheState; types: Uint8Array }; maxObjectSize: number; store: DeltaStoreMemory; collectLinks: boolean }
  | { kind: 'stream'; batch: EntryBatch }
  | { kind: 'links' }
  | { kind: 'exit' };

/** Messages from a resolver worker to the main thread. */
export type FromWorker =
  | { kind: 'streamed'; indices: Int32Array; types: Uint8Array; ids: Uint8Array; data: Uint8Array; peakCacheBytes: number }
  | { kind: 'links'; ids: Uint8Array }
  | { kind: 'error'; message: string; code?: PackErrorCode; offset?: number };

/**
 * Receives the deltas a worker resolved from a batch (entry indices, types and ids of 20 bytes),
 * and the batch's data buffer back, for reuse.
 */
export type OnStreamed = (indices: Int32Array, types: Uint8Array, ids: Uint8Array, data: Uint8Array) => void;

/**
 * The delta resolver worker that runs while the pack streams in: it is sent the entries as they
 * are parsed and resolves the deltas whose base it still caches, while this thread parses and
 * inflates. Its heap is limited (old generation from the budget, young generation small): what it
 * holds that grows with the pack lives in the arena it was handed and in shared memory.
 */
export class ResolverPool {
  /** Most bytes the stream worker's cache held while the pack streamed in. */
  streamPeakCacheBytes = 0;
  readonly #workers: Worker[] = [];
  #streamWorker: Worker | undefined;
  #batchesInFlight = 0;
  #streamError: Error | undefined;
  #onBatchDone: (() => void) | undefined;
  #onLinks: ((ids: Uint8Array) => void) | undefined;
  #started = 0;

  readonly #store: DeltaStore;
  readonly #heapMiB: number;

  /** Deltas the worker cannot resolve go to `store`; its old generation may take `heapMiB`. */
  constructor(store: DeltaStore, heapMiB: number) {
    this.#store = store;
    this.#heapMiB = heapMiB;
  }

  /**
   * Starts a worker to resolve deltas while the pack streams in: it carries on with `handover`,
   * the cache (and types) of the resolver that did so far, from {@link StreamResolver.detach}.
   */
  startStreaming(handover: { cache: BaseCacheState; types: Uint8Array }, maxObjectSize: number, collectLinks: boolean, onStreamed: OnStreamed): void {
    const worker = this.#workers[0] ?? this.#spawn();
    this.#streamWorker = worker;
    worker.on('message', (message: FromWorker) => {
      if (message.kind === 'streamed') {
        this.streamPeakCacheBytes = message.peakCacheBytes;
        onStreamed(message.indices, message.types, message.ids, message.data);
      } else if (message.kind === 'links') {
        this.#onLinks?.(message.ids);
        return;
      } else if (message.kind === 'error' && this.#batchesInFlight > 0) this.#streamError = workerError(message);
      else return;
      this.#batchesInFlight--;
      this.#onBatchDone?.();
    });
    worker.on('error', (error) => {
      this.#streamError ??= error;
      this.#onBatchDone?.();
    });
    const setup: ToWorker = { kind: 'stream-setup', handover, maxObjectSize, store: this.#store.memory, collectLinks };
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

  /** The ids of what the commits, trees and tags the stream worker resolved link to (see `collectLinks`); once all batches are settled. */
  async streamLinks(): Promise<Uint8Array> {
    this.#throwStreamError();
    const ids = new Promise<Uint8Array>((resolve) => (this.#onLinks = resolve));
    this.#streamWorker!.postMessage({ kind: 'links' } satisfies ToWorker);
    return ids;
  }

  /** Workers started. */
  get workers(): number {
    return this.#started;
  }

  /**
   * Stops the workers: once their work is done, by letting them exit on their own (terminating an
   * isolate while V8 compiles for it in the background can abort the process); else terminated.
   */
  async close(done = false): Promise<void> {
    const workers = this.#workers.splice(0);
    await Promise.all(
      workers.map(async (worker) => {
        if (!done || this.#streamError !== undefined) return void (await worker.terminate());
        const exited = once(worker, 'exit');
        worker.postMessage({ kind: 'exit' } satisfies ToWorker);
        await exited;
      }),
    );
  }

  #spawn(): Worker {
    const worker = new Worker(new URL('./resolve-worker.js', import.meta.url), {
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: this.#heapMiB },
    });
    worker.on('error', () => {});
    this.#workers.push(worker);
    this.#started++;
    return worker;
  }

  #throwStreamError(): void {
    if (this.#streamError !== undefined) throw this.#streamError;
  }
}

function workerError(message: Extract<FromWorker, { kind: 'error' }>): Error {
  return message.code ? new PackError(message.code, message.message, message.offset) : new Error(message.message);
}
