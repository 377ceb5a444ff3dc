import { mirrorRepos, planProcessMemory, type MirrorOutcome, type MirrorReposOptions } from '@gitmirror/mirror-core';
import { loadConfigFile } from './config-file.js';
import { envName } from './env-names.js';
import { UsageError } from './errors.js';
import type { Io } from './io.js';
import { mirrorMappings } from './mirror-input.js';
import { parseDuration } from './parse-values.js';
import { mirrorReport } from './report/json-report.js';
import { createLineReporter } from './report/line-reporter.js';
import { silentReporter, type InputProblem, type MirrorReporter } from './report/reporter.js';
import { createStyle } from './report/style.js';
import { createTtyReporter } from './report/tty-reporter.js';
import { resolveSettings, type Settings } from './settings.js';
import { inShard } from './shard.js';
import { checkS3MemoryFloor, isS3Url, targetOptions } from './target-options.js';

/** Arguments of the mirror command as yargs parses them (options not given are `undefined`). */
export interface MirrorFlags extends Record<string, unknown> {
  config?: string;
}

/**
 * Mirrors every repository of the pairs, the config file and the standard input (`--config -`), reports progress
 * and results, and returns the exit code: 0 when all succeeded, 1 when any failed (the caller turns it into
 * 130/143 after SIGINT/SIGTERM).
 * @throws UsageError for bad options or a bad config file (exit code 2).
 */
export async function runMirror(flags: MirrorFlags, io: Io): Promise<number> {
  const started = performance.now();
  const fromStdin = flags.config === '-';
  const config = flags.config && !fromStdin ? await loadConfigFile(flags.config) : undefined;
  const settings = resolveSettings(flags, io.env, config);
  if (settings.source.length !== settings.target.length) {
    throw new UsageError(`give one --target per --source (got ${settings.source.length} sources and ${settings.target.length} targets)`);
  }
  if (settings.source.length === 0 && !config?.mirrors.length && !fromStdin) {
    throw new UsageError('nothing to mirror: give --source URL --target URL pairs, or --config FILE (--config - reads JSON lines from stdin)');
  }

  // --max-memory bounds the process: what the runtime (and the AWS SDK, if an s3:// target may come) keeps is not
  // the packs'. Targets read from stdin are not known yet; other shards' never come.
  const knownTargets = [...settings.target, ...(config?.mirrors.map((entry) => entry.target) ?? [])];
  const mayUseS3 = fromStdin || knownTargets.some((target) => isS3Url(target) && inShard(target, settings.shard));
  if (mayUseS3) checkS3MemoryFloor(settings.maxMemory, fromStdin ? 's3:// targets (or targets read from stdin)' : undefined);
  const reporter = createReporter(settings, io);
  const invalidInput: InputProblem[] = [];
  let otherShards = 0;
  const onAbort = () => reporter.interrupted(`interrupted by ${io.interruptedBy() ?? 'an abort'}`);
  io.signal.addEventListener('abort', onAbort, { once: true });
  let outcomes: MirrorOutcome[];
  try {
    const mappings = mirrorMappings({
      pairs: settings.source.map((source, index) => [source, settings.target[index]] as const),
      entries: config?.mirrors ?? [],
      stdin: fromStdin ? io.stdin : undefined,
      headers: settings.header,
      signal: io.signal,
      shard: settings.shard,
      onInvalidInput: (problem) => {
        invalidInput.push(problem);
        reporter.invalidInput(problem);
      },
      onOtherShard: () => otherShards++,
    });
    outcomes = await mirrorRepos(mappings, {
      ...sharedMirrorOptions(settings),
      concurrency: settings.concurrency,
      memoryBudget: planProcessMemory(settings.maxMemory, { s3: mayUseS3 }).repositories,
      dryRun: settings.dryRun,
      signal: io.signal,
      onProgress: (event) => reporter.progress(event),
      onOutcome: (outcome) => reporter.outcome(outcome),
    });
  } finally {
    io.signal.removeEventListener('abort', onAbort);
  }

  const shard = settings.shard && { ...settings.shard, skipped: otherShards };
  const summary = { outcomes, invalidInput, durationMs: performance.now() - started, dryRun: settings.dryRun, interruptedBy: io.interruptedBy(), shard };
  reporter.finish(summary);
  if (settings.json) io.stdout.write(`${JSON.stringify(mirrorReport(summary), null, 2)}\n`);
  return outcomes.every((outcome) => outcome.ok) && invalidInput.length === 0 ? 0 : 1;
}

/**
 * The options every sync of a run shares, from the settings: the sources' connection settings and limits, the
 * targets' (a git server target gets the connection settings, never the sources' headers), ref filters, deadline.
 */
export function sharedMirrorOptions(settings: Settings): Pick<MirrorReposOptions, 'source' | 'target' | 'include' | 'exclude' | 'deadline'> {
  return {
    source: {
      headers: settings.header,
      netrc: settings.netrc,
      timeout: settings.timeout,
      retries: settings.retries,
      minTransferRate: settings.minRate,
      maxRefs: settings.maxRefs,
      maxAdvertisementBytes: settings.maxAdvertisement,
    },
    target: {
      ...targetOptions(settings),
      leftoverGraceMs: settings.leftoverGrace,
      autoRepack: settings.autoRepack && { maxBytes: settings.autoRepackMax },
      netrc: settings.netrc,
      timeout: settings.timeout,
      retries: settings.retries,
    },
    include: settings.includeRef,
    exclude: settings.excludeRef,
    deadline: settings.deadline,
  };
}

/** `MIRROR_GIT_TO_S3_PROGRESS_INTERVAL` (a duration) spaces the progress lines of plain logs; default 10 s. */
function progressInterval(env: NodeJS.ProcessEnv): number | undefined {
  const name = envName('progressInterval');
  return env[name] ? parseDuration(env[name], name) : undefined;
}

function createReporter(settings: Settings, io: Io): MirrorReporter {
  if (settings.quiet) return silentReporter;
  const isTTY = io.stderr.isTTY === true;
  const style = createStyle(isTTY, io.env);
  if (isTTY) return createTtyReporter(io.stderr, style, settings.dryRun);
  return createLineReporter(io.stderr, style, { dryRun: settings.dryRun, progressIntervalMs: progressInterval(io.env) });
}
