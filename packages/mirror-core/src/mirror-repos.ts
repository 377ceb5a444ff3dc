import type { Storage } from '@gitmirror/dumb-storage';
import { DEFAULT_MEMORY_BUDGET } from './memory-plan.js';
import { MemoryPool } from './memory-pool.js';
import type { MirrorEvent } from './mirror-event.js';
import type { MirrorOptions } from './mirror-options.js';
import { mirrorRepo, type MirrorResult } from './mirror-repo.js';
import { redactUrl } from './redact.js';
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

/** Which repository a {@link MirrorReposOptions.onProgress} event is about. */
export interface RepoRef {
  /** Position of the mapping in the input. */
  index: number;
  /** Source and target, credentials redacted. */
  source: string;
  target: string;
}

/** Options of {@link mirrorRepos}. */
export interface MirrorReposOptions extends Omit<MirrorOptions, 'onProgress'> {
  /** Repositories mirrored at the same time. Default 4. */
  concurrency?: number;
  /**
   * Bytes shared by the repositories in flight (default 128 MiB): each is granted, when it starts, what is free divided
   * by the repositories starting with it (all of it when alone), at least 32 MiB, waiting for that much if need be.
   */
  memoryBudget?: number;
  onProgress?: (event: RepoRef & MirrorEvent) => void;
  /** Called as soon as each repository's sync ends, successful or not (before `mirrorRepos` resolves). */
  onOutcome?: (outcome: MirrorOutcome) => void;
}

/** How one repository's sync ended. */
export type MirrorOutcome = RepoRef & ({ ok: true; result: MirrorResult } | { ok: false; error: Error });

/**
 * Mirrors many repositories, up to `concurrency` at a time. `mappings` may be any iterable or async iterable (work
 * starts before it ends). A repository's failure never stops the others: every outcome is returned, in input order.
 * Once `signal` aborts, repositories in flight fail with an `AbortedError` and no further mapping is read.
 */
export function mirrorRepos(
  mappings: Iterable<MirrorMapping> | AsyncIterable<MirrorMapping>,
  options: MirrorReposOptions = {},
): Promise<MirrorOutcome[]> {
  return mirrorReposWith(mirrorRepo, mappings, options);
}

/** {@link mirrorRepos} with the function that mirrors one repository given (what it is granted shows in its options). */
export async function mirrorReposWith(
  mirrorOne: typeof mirrorRepo,
  mappings: Iterable<MirrorMapping> | AsyncIterable<MirrorMapping>,
  options: MirrorReposOptions,
): Promise<MirrorOutcome[]> {
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 4, Array.isArray(mappings) ? mappings.length : Infinity));
  const memory = new MemoryPool(options.memoryBudget ?? DEFAULT_MEMORY_BUDGET);
  const iterator = Symbol.asyncIterator in mappings ? mappings[Symbol.asyncIterator]() : mappings[Symbol.iterator]();
  const outcomes: MirrorOutcome[] = [];
  let next = 0;
  let inputError: { reason: unknown } | undefined;

  const worker = async () => {
    while (!inputError && !options.signal?.aborted) {
      let item: IteratorResult<MirrorMapping>;
      try {
        item = await iterator.next();
      } catch (reason) {
        inputError ??= { reason };
        return;
      }
      if (item.done) return;
      const [source, target, overrides] = item.value;
      const repo: RepoRef = { index: next++, source: describe(source), target: describe(target) };
      const onProgress = options.onProgress && ((event: MirrorEvent) => options.onProgress?.({ ...repo, ...event }));
      let outcome: MirrorOutcome;
      let memoryBudget = 0;
      try {
        memoryBudget = await memory.acquire(options.signal);
        const result = await mirrorOne(source, target, { ...withOverrides(options, overrides), memoryBudget, onProgress });
        outcome = { ...repo, ok: true, result };
      } catch (error) {
        outcome = { ...repo, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
      } finally {
        memory.release(memoryBudget);
      }
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (inputError) throw inputError.reason;
  return outcomes.sort((a, b) => a.index - b.index);
}

/** The shared options with a mapping's own on top (`source` and `target` merged key by key). */
export function withOverrides<T extends MirrorMappingOptions>(shared: T, overrides: MirrorMappingOptions | undefined): T {
  if (!overrides) return shared;
  const merged: T = { ...shared, ...overrides };
  if (shared.source && overrides.source) merged.source = { ...shared.source, ...overrides.source };
  if (shared.target && overrides.target) merged.target = { ...shared.target, ...overrides.target };
  return merged;
}

function describe(endpoint: string | Transport | Storage): string {
  return typeof endpoint === 'string' ? redactUrl(endpoint) : endpoint.url;
}
