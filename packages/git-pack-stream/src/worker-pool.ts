import { Worker } from 'node:worker_threads';
import { budgetShares } from './budget.js';
import type { DeltaForest } from './delta-forest.js';
import type { ReadRange } from './entry-reader.js';
import { PackError, type PackErrorCode } from './errors.js';
import type { ObjectColumns } from './object-table.js';

/** Messages from the main thread to a resolver worker. */
export type ToWorker =
  | { kind: 'resolve'; roots: Int32Array }
  | { kind: 'read'; id: number; bytes?: Uint8Array; error?: string }
  | { kind: 'finish' };

/** Messages from a resolver worker to the main thread. */
export type FromWorker =
  | { kind: 'read'; id: number; offset: number; length: number }
  | { kind: 'progress'; resolved: number }
  | { kind: 'done'; resolved: number }
  | { kind: 'stats'; peakCacheBytes: number; reads: number }
  | { kind: 'error'; message: string; code?: PackErrorCode; offset?: number };

/** What each worker is started with. */
export interface WorkerSetup {
  columns: ObjectColumns;
  forest: DeltaForest;
  cacheBytes: number;
  batchBytes: number;
  maxObjectSize: number;
}

interface WorkerResolveOptions {
  columns: ObjectColumns;
  forest: DeltaForest;
  read: ReadRange;
  threads: number;
  budget: number;
  onResolved: (resolved: number) => void;
  signal: AbortSignal | undefined;
}

/** Root groups handed out per worker, so a worker stuck with a big tree does not hold up the rest. */
const GROUPS_PER_WORKER = 16;

/**
 * Resolves the forest in `threads` workers. Roots are handed out in groups as workers finish; the
 * columns and forest are shared memory, and workers ask this thread for every read of the pack.
 */
export async function resolveInWorkers(options: WorkerResolveOptions): Promise<{ peakCacheBytes: number; reads: number }> {
  const { columns, forest, read, threads, onResolved, signal } = options;
  const { roots } = forest;
  const shares = budgetShares(options.budget, threads);
  const groupSize = Math.max(1, Math.ceil(roots.length / (threads * GROUPS_PER_WORKER)));
  let nextRoot = 0;
  const setup: WorkerSetup = { columns, forest, ...shares };
  const resolvedBy = new Array<number>(threads).fill(0);
  const workers: Worker[] = [];
  let peakCacheBytes = 0;
  let reads = 0;

  const run = (slot: number) =>
    new Promise<void>((resolve, reject) => {
      const worker = new Worker(new URL('./resolve-worker.js', import.meta.url), { workerData: setup });
      workers.push(worker);
      const send = (message: ToWorker) => worker.postMessage(message);
      const nextGroup = () => {
        if (nextRoot >= roots.length) return send({ kind: 'finish' });
        const group = roots.slice(nextRoot, nextRoot + groupSize);
        nextRoot += groupSize;
        send({ kind: 'resolve', roots: group });
      };
      worker.on('message', (message: FromWorker) => {
        switch (message.kind) {
          case 'read':
            read(message.offset, message.length).then(
              (bytes) => send({ kind: 'read', id: message.id, bytes }),
              (error: unknown) => send({ kind: 'read', id: message.id, error: String((error as Error)?.message ?? error) }),
            );
            break;
          case 'progress':
          case 'done':
            resolvedBy[slot] = message.resolved;
            onResolved(resolvedBy.reduce((sum, n) => sum + n, 0));
            if (message.kind === 'done') nextGroup();
            break;
          case 'stats':
            peakCacheBytes = Math.max(peakCacheBytes, message.peakCacheBytes);
            reads += message.reads;
            resolve();
            break;
          case 'error':
            reject(message.code ? new PackError(message.code, message.message.replace(/ \(at pack offset \d+\)$/, ''), message.offset) : new Error(message.message));
            break;
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0) reject(new Error(`delta resolver worker exited with code ${code}`));
      });
      nextGroup();
    });

  const aborted = new Promise<never>((_, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
  try {
    const slots = Math.min(threads, Math.ceil(roots.length / groupSize));
    await Promise.race([Promise.all(Array.from({ length: slots }, (_, slot) => run(slot))), aborted]);
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  return { peakCacheBytes, reads };
}
