import { AbortedError } from './errors.js';
import { DEFAULT_MEMORY_BUDGET } from './memory-plan.js';
import { MemoryPool } from './memory-pool.js';
import type { MirrorEvent } from './mirror-event.js';
import { mirrorRepo, type MirrorResult } from './mirror-repo.js';
import type { MirrorOptions } from './mirror-options.js';
import type { Storage } from '@gitmirror/dumb-storage';
import type { Transport } from './transport/transport.js';

/**
 * One repository to mirror: `[source, target]`, as in {@link mirrorRepo}, optionally with options of its own that
 * override the shared ones (e.g. ref filters or request headers of this repository only; `source` and `target` are
 * merged key by key into the shared ones).
 */
export type MirrorMapping =
  | readonly [source: string | Transport, target: string | Storage]
  | readonly [source: string | Transport, target: string | Storage, options: MirrorMappingOptions];

/** Options one {@link MirrorMapping} may override. */
export type MirrorMappingOptions = Omit<MirrorOptions, 'signal' | 'onProgress' | 'memoryBudget'>;

/** Options shared by every sync of a {@link MirrorRunner} (and of `mirrorRepos`, which runs on one). */
export interface MirrorRunnerOptions extends Omit<MirrorOptions, 'onProgress' | 'signal' | 'memoryBudget'> {
  /** Repositories mirrored at the same time. Default 4. */
  concurrency?: number;
  /**
   * Bytes shared by the repositories in flight (default 128 MiB): each is granted, when it starts, what is free divided
   * by the repositories starting with it (all of it when alone), at least 32 MiB, waiting for that much if need be.
   */
  memoryBudget?: number;
}

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

/** The shared options with a mapping's own on top (`source` and `target` merged key by key). */
export function withOverrides<T extends MirrorMappingOptions>(shared: T, overrides: MirrorMappingOptions | undefined): T {
  if (!overrides) return shared;
  const merged: T = { ...shared, ...overrides };
  if (shared.source && overrides.source) merged.source = { ...shared.source, ...overrides.source };
  if (shared.target && overrides.target) merged.target = { ...shared.target, ...overrides.target };
  return merged;
}
