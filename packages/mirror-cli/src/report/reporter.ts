import type { MirrorEvent, MirrorOutcome, RepoRef } from '@gitmirror/mirror-core';
import type { Io, TextOutput } from '../io.js';
import type { Settings } from '../settings.js';
import type { Shard } from '../shard.js';
import { formatBytes, formatDuration, formatRate } from './format.js';
import { describeError } from './describe-error.js';
import { errorCode } from './error-code.js';
import { createStyle, type Style } from './style.js';

/** A line of the standard input that is not a mirror entry; it counts as a failed repository. */
export interface InputProblem {
  line: number;
  message: string;
}

/** How a `mirror` run ended. */
export interface MirrorSummary {
  outcomes: MirrorOutcome[];
  invalidInput: InputProblem[];
  durationMs: number;
  dryRun: boolean;
  /** The signal that stopped the run, if one did. */
  interruptedBy?: string;
  /** With `--shard`: which one, and how many mirrors were left to the others (not in `outcomes`). */
  shard?: Shard & { skipped: number };
}

/** Receives the events of a `mirror` run and shows them to a person. */
export interface MirrorReporter {
  progress(event: RepoRef & MirrorEvent): void;
  outcome(outcome: MirrorOutcome): void;
  invalidInput(problem: InputProblem): void;
  interrupted(reason: string): void;
  finish(summary: MirrorSummary): void;
}

/** A reporter that shows nothing (`--quiet`). */
export const silentReporter: MirrorReporter = { progress() {}, outcome() {}, invalidInput() {}, interrupted() {}, finish() {} };

/** What is known of a repository in flight, from its progress events. */
export interface RepoProgress {
  label: string;
  /** A {@link MirrorEvent} phase, or the indexer's `receiving` / `resolving`. */
  phase: string;
  objects?: number;
  totalObjects?: number;
  bytes?: number;
  deltasResolved?: number;
  totalDeltas?: number;
  /** `performance.now()` when fetching began. */
  fetchStarted?: number;
  /** The source's last progress line. */
  remote?: string;
}

/** Folds one progress event into what is known of its repository. */
export function trackProgress(repo: RepoProgress, event: MirrorEvent): void {
  if (event.type === 'phase') {
    repo.phase = event.phase;
    if (event.phase === 'fetching') repo.fetchStarted = performance.now();
  } else if (event.type === 'remote-progress') {
    repo.remote = event.message.trim() || repo.remote;
  } else {
    const { progress } = event;
    repo.phase = progress.phase;
    repo.objects = progress.objects;
    repo.totalObjects = progress.totalObjects;
    repo.bytes = progress.bytes;
    repo.deltasResolved = progress.deltasResolved;
    repo.totalDeltas = progress.totalDeltas;
  }
}

/** `resolving deltas` for the indexer's phase, else the phase as it is named. */
export function phaseLabel(phase: string): string {
  return phase === 'resolving' ? 'resolving deltas' : phase === 'listing-refs' ? 'listing refs' : phase;
}

/** `12/42 objects`, `1.2 MiB`, `300 KiB/s` (and `5/9 deltas` while resolving), or the source's last progress line. */
export function progressDetails(repo: RepoProgress): string[] {
  if (repo.objects === undefined) return repo.remote && repo.phase === 'fetching' ? [`remote: ${repo.remote}`] : [];
  const details = [`${repo.objects}/${repo.totalObjects} objects`, formatBytes(repo.bytes ?? 0)];
  if (repo.fetchStarted !== undefined && repo.phase === 'receiving') details.push(formatRate(repo.bytes ?? 0, performance.now() - repo.fetchStarted));
  if (repo.phase === 'resolving') details.push(`${repo.deltasResolved}/${repo.totalDeltas} deltas`);
  return details;
}

/** `source -> target`, credentials already redacted by the library. */
export function repoLabel(repo: RepoRef): string {
  return `${repo.source} -> ${repo.target}`;
}

/** Writes a failure as git does: `error: <what>: <message>` then `hint: <what to do>`. */
export function writeError(output: TextOutput, style: Style, what: string, error: Error): void {
  const { message, hint } = describeError(error);
  output.write(`${style.red('error:')} ${what}: ${message}\n`);
  if (hint) output.write(`${style.yellow('hint:')} ${hint}\n`);
}

/** Reports why a command failed: git-style lines on stderr unless `quiet`, `{ ok: false, error }` on stdout with `json`. */
export function writeCommandFailure(io: Io, settings: Pick<Settings, 'quiet' | 'json'>, what: string, error: Error): void {
  if (!settings.quiet) writeError(io.stderr, createStyle(io.stderr.isTTY === true, io.env), what, error);
  if (settings.json) io.stdout.write(`${JSON.stringify({ ok: false, error: { code: errorCode(error), message: error.message } }, null, 2)}\n`);
}

/**
 * A closing line: `3 repositories: 1 changed, 1 up to date, 1 failed in 2.1 s`, with `(12 in other shards)` after
 * a `--shard` run and `(interrupted by SIGINT)` after a signal.
 */
export function summaryLine(summary: MirrorSummary): string {
  const total = summary.outcomes.length + summary.invalidInput.length;
  const failed = summary.outcomes.filter((outcome) => !outcome.ok).length + summary.invalidInput.length;
  const upToDate = summary.outcomes.filter((outcome) => outcome.ok && outcome.result.upToDate).length;
  const changed = total - failed - upToDate;
  const verb = summary.dryRun ? 'would change' : 'changed';
  const notes = [summary.shard && otherShardsNote(summary.shard.skipped), summary.interruptedBy && `interrupted by ${summary.interruptedBy}`].filter(Boolean);
  const end = notes.length > 0 ? ` (${notes.join('; ')})` : '';
  return `${total} ${total === 1 ? 'repository' : 'repositories'}: ${changed} ${verb}, ${upToDate} up to date, ${failed} failed in ${formatDuration(summary.durationMs)}${end}`;
}

function otherShardsNote(skipped: number): string {
  return skipped === 1 ? '1 in another shard' : `${skipped} in other shards`;
}
