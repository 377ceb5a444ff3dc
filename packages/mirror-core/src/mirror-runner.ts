import { AbortedError } from './errors.js';
import { DEFAULT_MEMORY_BUDGET } from './memory-plan.js';
import { MemoryPool } from './memory-pool.js';
import type { MirrorEvent } from './mirror-event.js';
import { mirrorRepo, type MirrorResult } from './mirror-repo.js';
import { withOverrides, type MirrorMapping, type MirrorReposOptions } from './mirror-repos.js';

/** Options of {@link MirrorRunner}: what {@link mirrorRepos} takes, but for one sync at a time. */
export type MirrorRunnerOptions = Omit<MirrorReposOptions, 'onProgress' | 'onOutcome' | 'signal'>;

/** Options of one {@link MirrorRunner.run}. */
export interface RunOptions {
  /** Aborts the sync, or its wait for a slot. */
  signal?: AbortSignal;
  onProgress?: (event: MirrorEvent) => void;
}

/**
 * The engine of a long-lived process (a server): syncs asked for one by one, as they come, run `concurrency` at a
 * time and share the memory budget as {@link mirrorRepos}'s do (a lone sync gets all of it). Unlike `mirrorRepos`, it
 * keeps nothing once a sync ends.
 */
export class MirrorRunner {
  readonly #options: MirrorRunnerOptions;
  readonly #memory: MemoryPool;
  readonly #concurrency: number;
  readonly #waiting: (() => void)[] = [];
  readonly #mirrorOne: typeof mirrorRepo;
  #active = 0;

  /** `mirrorOne` replaces `mirrorRepo` (tests watch what each sync is granted). */
  constructor(options: MirrorRunnerOptions = {}, mirrorOne: typeof mirrorRepo = mirrorRepo) {
    this.#options = options;
    this.#mirrorOne = mirrorOne;
    this.#memory = new MemoryPool(options.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Syncs running now. */
  get active(): number {
    return this.#active;
  }

  /** Syncs waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Mirrors one repository once a slot and its share of memory are free (first come, first served).
   * @throws AbortedError when `signal` aborts while it waits; whatever `mirrorRepo` throws once it runs.
   */
  async run(mapping: MirrorMapping, options: RunOptions = {}): Promise<MirrorResult> {
    const { signal } = options;
    await this.#slot(signal);
    let memoryBudget = 0;
    try {
      memoryBudget = await this.#memory.acquire(signal);
      const [source, target, overrides] = mapping;
      return await this.#mirrorOne(source, target, { ...withOverrides(this.#options, overrides), signal, memoryBudget, onProgress: options.onProgress });
    } finally {
      this.#memory.release(memoryBudget);
      this.#active--;
      this.#waiting.shift()?.();
    }
  }

  /** Waits for one of the slots; the caller holds it until its `finally`. */
  async #slot(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.#active < this.#concurrency) {
      this.#active++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiting.splice(this.#waiting.indexOf(admit), 1);
        reject(new AbortedError(undefined, { cause: signal?.reason }));
      };
      const admit = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#active++;
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(admit);
    });
  }
}
