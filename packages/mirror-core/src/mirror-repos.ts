import type { Storage } from '@gitmirror/dumb-storage';
import type { MirrorEvent } from './mirror-event.js';
import { mirrorRepo, type MirrorResult } from './mirror-repo.js';
import { MirrorRunner, type MirrorMapping, type MirrorRunnerOptions } from './mirror-runner.js';
import { redactUrl } from './redact.js';
import type { Transport } from './transport/transport.js';

export type { MirrorMapping, MirrorMappingOptions } from './mirror-runner.js';

/** Which repository a {@link MirrorReposOptions.onProgress} event is about. */
export interface RepoRef {
  /** Position of the mapping in the input. */
  index: number;
  /** Source and target, credentials redacted. */
  source: string;
  target: string;
}

/** Options of {@link mirrorRepos}: the shared options of {@link MirrorRunner}, the abort signal and the callbacks. */
export interface MirrorReposOptions extends MirrorRunnerOptions {
  signal?: AbortSignal;
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
  // As many workers as slots: each pulls the next mapping only when it is free, so the runner never queues one.
  const runner = new MirrorRunner({ ...options, concurrency }, mirrorOne);
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
      const [source, target] = item.value;
      const repo: RepoRef = { index: next++, source: describe(source), target: describe(target) };
      const onProgress = options.onProgress && ((event: MirrorEvent) => options.onProgress?.({ ...repo, ...event }));
      let outcome: MirrorOutcome;
      try {
        outcome = { ...repo, ok: true, result: await runner.run(item.value, { signal: options.signal, onProgress }) };
      } catch (error) {
        outcome = { ...repo, ok: false, error: error instanceof Error ? error : new Error(String(error)) };
      }
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (inputError) throw inputError.reason;
  return outcomes.sort((a, b) => a.index - b.index);
}

function describe(endpoint: string | Transport | Storage): string {
  return typeof endpoint === 'string' ? redactUrl(endpoint) : endpoint.url;
}
