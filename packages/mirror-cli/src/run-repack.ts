import { planProcessMemory, repackMirror, type RepackMirrorResult, type RepackProgress } from '@gitmirror/mirror-core';
import { commandSettings } from './config-file.js';
import type { Io } from './io.js';
import { formatBytes, formatDuration } from './report/format.js';
import { DEFAULT_PROGRESS_INTERVAL_MS } from './report/line-reporter.js';
import { writeCommandFailure } from './report/reporter.js';
import { createStyle } from './report/style.js';
import { isS3Url, loadS3Sdk, targetOptions } from './target-options.js';

/** The document `repack --json` prints on stdout. */
export interface RepackReport extends RepackMirrorResult {
  command: 'repack';
  ok: true;
  dryRun: boolean;
}

/**
 * Repacks the mirror at `target` (mirror-core's `repackMirror`): by the geometric policy, or every pack into one with
 * `--all`. Prints what it merged on stderr (and the packs read as it goes: redrawn on a terminal, a line every 10 s
 * in plain logs), or the result as JSON; returns
 * 0 on success, 1 on failure.
 */
export async function runRepack(flags: Record<string, unknown>, io: Io): Promise<number> {
  const target = String(flags.target);
  const settings = await commandSettings(flags, io.env);
  const live = io.stderr.isTTY === true && !settings.quiet;
  // A terminal redraws one line as packs are read; plain logs get a line every progress interval.
  let lastLine = performance.now();
  const progressLine = (progress: RepackProgress) => `repack: read ${progress.packsRead}/${progress.packsToRead} packs, ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.bytesToRead)}`;
  const onProgress = (progress: RepackProgress) => {
    if (live) io.stderr.write(`\r\x1b[K${progressLine(progress)}`);
    else if (!settings.quiet && performance.now() - lastLine >= DEFAULT_PROGRESS_INTERVAL_MS) {
      lastLine = performance.now();
      io.stderr.write(`${progressLine(progress)}\n`);
    }
  };
  let result: RepackMirrorResult;
  try {
    if (isS3Url(target)) await loadS3Sdk();
    result = await repackMirror(target, {
      ...targetOptions(settings),
      all: settings.all,
      memoryBudget: planProcessMemory(settings.maxMemory, { s3: isS3Url(target) }).repositories,
      dryRun: settings.dryRun,
      leftoverGraceMs: settings.leftoverGrace,
      signal: io.signal,
      onProgress,
    });
  } catch (error) {
    if (live) io.stderr.write('\r\x1b[K');
    writeCommandFailure(io, settings, `repack ${target}`, error as Error);
    return 1;
  }
  if (live) io.stderr.write('\r\x1b[K');
  if (settings.json) io.stdout.write(`${JSON.stringify({ command: 'repack', ok: true, dryRun: settings.dryRun, ...result, durationMs: Math.round(result.durationMs) } satisfies RepackReport, null, 2)}\n`);
  if (!settings.quiet) io.stderr.write(`${describeRepack(result, settings.dryRun, createStyle(io.stderr.isTTY === true, io.env).bold)}\n`);
  return 0;
}

/** `<target>: 12 packs merged into pack-… (3,456 objects, 1.2 MiB, 40 duplicates dropped): 13 → 2 packs in 0.8 s`. */
function describeRepack(result: RepackMirrorResult, dryRun: boolean, bold: (text: string) => string): string {
  const removed = result.removed.length > 0 ? `; removed ${result.removed.length} leftover file(s)` : '';
  if (!result.pack) return `${result.target}: nothing to merge (${result.packsBefore} pack(s))${removed}`;
  const { pack } = result;
  const duplicates = pack.duplicates > 0 ? `, ${pack.duplicates} duplicate(s) dropped` : '';
  if (dryRun) return `${result.target}: would merge ${result.merged.length} packs (${pack.objects} objects${duplicates}): ${result.packsBefore} → ${result.packsAfter} packs`;
  const into = `${bold(pack.name)} (${pack.objects} objects, ${formatBytes(pack.bytes)}${duplicates})`;
  return `${result.target}: merged ${result.merged.length} packs into ${into}: ${result.packsBefore} → ${result.packsAfter} packs in ${formatDuration(result.durationMs)}${removed}`;
}
