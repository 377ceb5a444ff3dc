import type { MirrorEvent, MirrorOutcome, RepoRef } from '@gitmirror/mirror-core';
import { UsageError } from '../errors.js';
import type { TextOutput } from '../io.js';
import { describeResult, formatBytes, formatDuration } from './format.js';
import { phaseLabel, progressDetails, repoLabel, summaryLine, trackProgress, writeError, type MirrorReporter, type MirrorSummary, type RepoProgress } from './reporter.js';
import type { Style } from './style.js';

const REDRAW_INTERVAL_MS = 100;

/**
 * Progress for a terminal: a live line per repository in flight (phase, objects, bytes, rate) redrawn in place,
 * a permanent line as each one ends, and a summary table at the end.
 */
export function createTtyReporter(output: TextOutput, style: Style, dryRun: boolean): MirrorReporter {
  const live = new Map<number, RepoProgress>();
  let drawn = 0;
  let timer: NodeJS.Timeout | undefined;

  const erase = () => {
    if (drawn > 0) output.write(`\x1b[${drawn}F\x1b[0J`);
    drawn = 0;
  };
  const draw = () => {
    timer = undefined;
    erase();
    const width = Math.max(40, (output.columns || 80) - 1);
    for (const repo of live.values()) output.write(`${liveLine(repo, style, width)}\n`);
    drawn = live.size;
  };
  const schedule = () => {
    timer ??= setTimeout(draw, REDRAW_INTERVAL_MS);
  };
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const above = (write: () => void) => {
    stop();
    erase();
    write();
    draw();
  };

  return {
    progress(event: RepoRef & MirrorEvent) {
      const repo = live.get(event.index) ?? { label: repoLabel(event), phase: 'starting' };
      live.set(event.index, repo);
      trackProgress(repo, event);
      if (event.type !== 'phase') return schedule();
      if (event.phase === 'done') live.delete(event.index);
      stop();
      draw();
    },
    outcome(outcome: MirrorOutcome) {
      live.delete(outcome.index);
      above(() => {
        if (!outcome.ok) writeError(output, style, repoLabel(outcome), outcome.error);
        else {
          const mark = outcome.result.upToDate ? style.dim('=') : style.green('✓');
          output.write(`${mark} ${repoLabel(outcome)}: ${describeResult(outcome.result, dryRun)} ${style.dim(`(${formatDuration(outcome.result.durationMs)})`)}\n`);
        }
      });
    },
    invalidInput(problem) {
      above(() => writeError(output, style, `standard input, line ${problem.line}`, new UsageError(problem.message, 'INVALID_INPUT')));
    },
    interrupted(reason) {
      const again = reason.endsWith('SIGINT') ? ' (press Ctrl-C again to quit at once)' : '';
      above(() => output.write(`${style.yellow(reason)}: stopping; nothing half-done is published${again}\n`));
    },
    finish(summary: MirrorSummary) {
      stop();
      erase();
      live.clear();
      output.write(summaryTable(summary, style));
      output.write(`${style.bold(summaryLine(summary))}\n`);
    },
  };
}

/** `  <source -> target>  <phase>  <objects>  <bytes>  <rate>`, the label shortened from the left to fit `width`. */
function liveLine(repo: RepoProgress, style: Style, width: number): string {
  const phase = phaseLabel(repo.phase);
  const details = progressDetails(repo);
  const tail = [phase, ...details].join('  ');
  const room = Math.max(10, width - tail.length - 4);
  const label = repo.label.length > room ? `…${repo.label.slice(repo.label.length - room + 1)}` : repo.label;
  const line = `  ${label}  ${style.bold(phase)}${details.length > 0 ? `  ${style.dim(details.join('  '))}` : ''}`;
  return fit(line, width);
}

/** The summary table: one row per repository with its status, ref changes, objects, pack size and time. */
function summaryTable(summary: MirrorSummary, style: Style): string {
  const rows: string[][] = [['repository', 'status', 'refs +/~/-', 'objects', 'size', 'time']];
  for (const outcome of summary.outcomes) {
    if (!outcome.ok) {
      rows.push([repoLabel(outcome), 'failed', '', '', '', '']);
      continue;
    }
    const { result } = outcome;
    const status = result.upToDate ? 'up to date' : summary.dryRun ? 'would change' : 'mirrored';
    const refs = `${result.created.length}/${result.updated.length}/${result.deleted.length}`;
    rows.push([repoLabel(outcome), status, refs, String(result.pack?.objects ?? 0), formatBytes(result.pack?.bytes ?? 0), formatDuration(result.durationMs)]);
  }
  for (const problem of summary.invalidInput) rows.push([`standard input, line ${problem.line}`, 'failed', '', '', '', '']);
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const colorStatus = (text: string) => (text === 'failed' ? style.red(text) : text === 'mirrored' ? style.green(text) : text);
  return rows
    .map((row, line) =>
      row
        .map((cell, column) => {
          const padded = column >= 2 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]);
          if (line === 0) return style.bold(padded);
          return column === 1 ? colorStatus(padded) : padded;
        })
        .join('  ')
        .trimEnd(),
    )
    .map((text) => `${text}\n`)
    .join('');
}

/** Cuts a line to the terminal width so redrawing never wraps (escape codes do not count). */
function fit(line: string, width: number): string {
  let visible = 0;
  let result = '';
  for (let index = 0; index < line.length; index++) {
    if (line[index] === '\x1b') {
      const end = line.indexOf('m', index);
      result += line.slice(index, end + 1);
      index = end;
      continue;
    }
    if (visible >= width) continue;
    result += line[index];
    visible++;
  }
  return result;
}
