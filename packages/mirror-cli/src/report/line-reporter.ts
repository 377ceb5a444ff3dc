import type { MirrorEvent, RepoRef } from '@gitmirror/mirror-core';
import { UsageError } from '../errors.js';
import type { TextOutput } from '../io.js';
import { describeResult, formatDuration } from './format.js';
import { phaseLabel, progressDetails, repoLabel, summaryLine, trackProgress, writeError, type MirrorReporter, type RepoProgress } from './reporter.js';
import type { Style } from './style.js';

/** How often a repository in a long phase gets a progress line, unless told otherwise. */
export const DEFAULT_PROGRESS_INTERVAL_MS = 10_000;

/** Phases that may take minutes, which get a progress line every interval. */
const LONG_PHASES = new Set(['fetching', 'receiving', 'resolving', 'publishing']);

/** Options of {@link createLineReporter}. */
export interface LineReporterOptions {
  dryRun: boolean;
  /** Milliseconds between progress lines of a repository in a long phase. Default {@link DEFAULT_PROGRESS_INTERVAL_MS}. */
  progressIntervalMs?: number;
}

/**
 * Plain line logs for pipes, files and cron: a line when a repository starts fetching or publishing, then while it
 * fetches, resolves or publishes one every interval (objects, bytes, rate) so a log never sits silent for minutes,
 * one with its result, errors with a hint, and a closing summary.
 */
export function createLineReporter(output: TextOutput, style: Style, options: LineReporterOptions): MirrorReporter {
  const live = new Map<number, RepoProgress & { since: number }>();
  let timer: NodeJS.Timeout | undefined;
  const intervalMs = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;

  const tick = () => {
    for (const repo of live.values()) {
      if (!LONG_PHASES.has(repo.phase)) continue;
      const elapsed = formatDuration(performance.now() - repo.since);
      output.write(`${repo.label}: ${[phaseLabel(repo.phase), ...progressDetails(repo)].join(', ')} (${elapsed})\n`);
    }
  };
  const forget = (index: number) => {
    live.delete(index);
    if (live.size > 0 || !timer) return;
    clearInterval(timer);
    timer = undefined;
  };

  return {
    progress(event: RepoRef & MirrorEvent) {
      if (event.type === 'phase' && event.phase === 'done') return forget(event.index);
      const repo = live.get(event.index) ?? { label: repoLabel(event), phase: 'starting', since: performance.now() };
      live.set(event.index, repo);
      const before = repo.phase;
      trackProgress(repo, event);
      if (event.type === 'phase' && (event.phase === 'fetching' || event.phase === 'publishing')) output.write(`${repo.label}: ${event.phase}\n`);
      if (repo.phase !== before) repo.since = performance.now();
      if (!timer) {
        timer = setInterval(tick, intervalMs);
        // Progress lines never keep the process alive.
        timer.unref();
      }
    },
    outcome(outcome) {
      forget(outcome.index);
      if (!outcome.ok) writeError(output, style, repoLabel(outcome), outcome.error);
      else output.write(`${repoLabel(outcome)}: ${describeResult(outcome.result, options.dryRun)} in ${formatDuration(outcome.result.durationMs)}\n`);
    },
    invalidInput(problem) {
      writeError(output, style, `standard input, line ${problem.line}`, new UsageError(problem.message, 'INVALID_INPUT'));
    },
    interrupted(reason) {
      output.write(`${reason}: stopping; nothing half-done is published${reason.endsWith('SIGINT') ? ' (press Ctrl-C again to quit at once)' : ''}\n`);
    },
    finish(summary) {
      if (timer) clearInterval(timer);
      timer = undefined;
      live.clear();
      output.write(`${summaryLine(summary)}\n`);
    },
  };
}
