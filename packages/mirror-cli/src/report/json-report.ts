import type { MirrorOutcome } from '@gitmirror/mirror-core';
import { describeError } from './describe-error.js';
import type { MirrorSummary } from './reporter.js';

const NOTHING_READ_BACK = { requests: 0, bytes: 0, passes: 0 };

/** One repository in `--json` output. */
export interface RepositoryReport {
  source: string;
  target: string;
  ok: boolean;
  upToDate: boolean;
  created: string[];
  updated: string[];
  deleted: string[];
  /** The new pack's file name, `null` when the sync needed none. */
  pack: string | null;
  objects: number;
  bytes: number;
  /** What resolving the pack's deltas read back of it (requests, bytes, passes); zeros when nothing was. */
  readBack: { requests: number; bytes: number; passes: number };
  /** The automatic repack after the sync, when it merged packs: how many, into which, and the packs listed after. */
  repack: { merged: number; pack: string; packsAfter: number } | null;
  protocolVersion: number | null;
  durationMs: number | null;
  error: { code: string; message: string; hint?: string } | null;
}

/** The single document `mirror --json` prints on stdout. */
export interface MirrorReport {
  command: 'mirror';
  ok: boolean;
  dryRun: boolean;
  /** `SIGINT` or `SIGTERM` when a signal stopped the run, else `null`. */
  interruptedBy: string | null;
  durationMs: number;
  /** With `--shard I/N`: `{ index: I, count: N, skipped }`, `skipped` mirrors being other shards'; else `null`. */
  shard: { index: number; count: number; skipped: number } | null;
  /** This run's repositories only: a shard's, with `--shard`. */
  repositories: RepositoryReport[];
  /** Lines of the standard input that were not mirror entries. */
  invalidInput: { line: number; error: { code: 'INVALID_INPUT'; message: string } }[];
}

/** Builds the `--json` document of a `mirror` run. */
export function mirrorReport(summary: MirrorSummary): MirrorReport {
  const repositories = summary.outcomes.map(repositoryReport);
  return {
    command: 'mirror',
    ok: repositories.every((repo) => repo.ok) && summary.invalidInput.length === 0 && !summary.interruptedBy,
    dryRun: summary.dryRun,
    interruptedBy: summary.interruptedBy ?? null,
    durationMs: Math.round(summary.durationMs),
    shard: summary.shard ? { index: summary.shard.index, count: summary.shard.count, skipped: summary.shard.skipped } : null,
    repositories,
    invalidInput: summary.invalidInput.map((problem) => ({ line: problem.line, error: { code: 'INVALID_INPUT', message: problem.message } })),
  };
}

function repositoryReport(outcome: MirrorOutcome): RepositoryReport {
  const base = { source: outcome.source, target: outcome.target };
  if (!outcome.ok) {
    return { ...base, ok: false, upToDate: false, created: [], updated: [], deleted: [], pack: null, objects: 0, bytes: 0, readBack: NOTHING_READ_BACK, repack: null, protocolVersion: null, durationMs: null, error: describeError(outcome.error) };
  }
  const { result } = outcome;
  return {
    ...base,
    ok: true,
    upToDate: result.upToDate,
    created: result.created,
    updated: result.updated,
    deleted: result.deleted,
    pack: result.pack?.name ?? null,
    objects: result.pack?.objects ?? 0,
    bytes: result.pack?.bytes ?? 0,
    readBack: result.readBack ?? NOTHING_READ_BACK,
    repack: result.repack?.pack ? { merged: result.repack.merged.length, pack: result.repack.pack.name, packsAfter: result.repack.packsAfter } : null,
    protocolVersion: result.protocolVersion,
    durationMs: Math.round(result.durationMs),
    error: null,
  };
}
