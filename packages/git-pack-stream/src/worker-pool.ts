import { Worker } from 'node:worker_threads';
import { budgetShares } from './budget.js';
import type { DeltaForest } from './delta-forest.js';
import { PackError, type PackErrorCode } from './errors.js';
import type { ObjectColumns } from './object-table.js';
import type { ReadRanges } from './range-reads.js';

/** What each worker is set up with once the pack has streamed in. */
export interface WorkerSetup {
  columns: ObjectColumns;
  forest: DeltaForest;
  cacheBytes: number;
  batchBytes: number;
  maxObjectSize: number;
}

/** Messages from the main thread to a resolver worker. */
export type ToWorker =
  | { kind: 'setup'; setup: WorkerSetup }
  | { kind: 'resolve'; roots: Int32Array }
  | { kind: 'read'; id: number; chunks?: Uint8Array[]; error?: string }
  | { kind: 'finish' };

/** Messages from a resolver worker to the main thread. */
export type FromWorker =
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
  readRanges: ReadRanges;
  budget: number;
  onResolved: (resolved: number) => void;
  signal: AbortSignal | undefined;
}

/** Root groups handed out per worker, so that a worker stuck with a big tree does not hold up the rest. */
const GROUPS_PER_WORKER = 16;

/**
 * Delta resolver workers. They start early (while the pack still streams in) and are set up once
 * it has: the columns and the forest are shared memory, roots are handed out in groups as workers
 * finish the previous ones, and workers ask this thread for every read of the stored pack.
 */
export class ResolverPool {
  readonly #workers: Worker[];

  constructor(threads: number) {
    this.#workers = Array.from({ length: threads }, () => new Worker(new URL('./resolve-worker.js', import.meta.url)));
    for (const worker of this.#workers) worker.on('error', () => {});
  }

  /** Resolves every delta of `run.forest` in the workers. */
  async resolve(run: PoolRun): Promise<PoolOutcome> {
    const { forest, readRanges, onResolved, signal } = run;
    const { roots } = forest;
    const threads = this.#workers.length;
    const setup: WorkerSetup = { columns: run.columns, forest, ...budgetShares(run.budget, threads) };
    const groupSize = Math.max(1, Math.ceil(roots.length / (threads * GROUPS_PER_WORKER)));
    const resolvedBy = new Array<number>(threads).fill(0);
    const outcome: PoolOutcome = { peakCacheBytes: 0, reads: 0 };
    let nextRoot = 0;

    const drive = (worker: Worker, slot: number) =>
      new Promise<void>((resolve, reject) => {
        const send = (message: ToWorker) => worker.postMessage(message);
        const nextGroup = () => {
          if (nextRoot >= roots.length) return send({ kind: 'finish' });
          send({ kind: 'resolve', roots: roots.slice(nextRoot, nextRoot + groupSize) });
          nextRoot += groupSize;
        };
        worker.on('message', (message: FromWorker) => {
          switch (message.kind) {
            case 'read':
              readRanges(message.ranges).then(
                (chunks) => send({ kind: 'read', id: message.id, chunks }),
                (error: unknown) => send({ kind: 'read', id: message.id, error: (error as Error)?.message ?? String(error) }),
              );
              break;
            case 'progress':
            case 'done':
              resolvedBy[slot] = message.resolved;
              onResolved(resolvedBy.reduce((sum, n) => sum + n, 0));
              if (message.kind === 'done') nextGroup();
              break;
            case 'stats':
              outcome.peakCacheBytes = Math.max(outcome.peakCacheBytes, message.peakCacheBytes);
              outcome.reads += message.reads;
              resolve();
              break;
            case 'error':
              reject(message.code ? new PackError(message.code, message.message, message.offset) : new Error(message.message));
              break;
          }
        });
        worker.on('error', reject);
        worker.on('exit', (code) => reject(new Error(`delta resolver worker exited with code ${code}`)));
        send({ kind: 'setup', setup });
        nextGroup();
      });

    const aborted = new Promise<never>((_, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    await Promise.race([Promise.all(this.#workers.map(drive)), aborted]);
    return outcome;
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.#workers.map((worker) => worker.terminate()));
  }
}
