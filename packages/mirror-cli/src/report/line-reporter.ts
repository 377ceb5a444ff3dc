import { UsageError } from '../errors.js';
import type { TextOutput } from '../io.js';
import { describeResult, formatDuration } from './format.js';
import { repoLabel, summaryLine, writeError, type MirrorReporter } from './reporter.js';
import type { Style } from './style.js';

/**
 * Plain line logs for pipes, files and cron: a line when a repository starts fetching or publishing, one with its
 * result, errors with a hint, and a closing summary.
 */
export function createLineReporter(output: TextOutput, style: Style, dryRun: boolean): MirrorReporter {
  return {
    progress(event) {
      if (event.type === 'phase' && (event.phase === 'fetching' || event.phase === 'publishing')) {
        output.write(`${repoLabel(event)}: ${event.phase}\n`);
      }
    },
    outcome(outcome) {
      if (!outcome.ok) writeError(output, style, repoLabel(outcome), outcome.error);
      else output.write(`${repoLabel(outcome)}: ${describeResult(outcome.result, dryRun)} in ${formatDuration(outcome.result.durationMs)}\n`);
    },
    invalidInput(problem) {
      writeError(output, style, `standard input, line ${problem.line}`, new UsageError(problem.message, 'INVALID_INPUT'));
    },
    interrupted(reason) {
      output.write(`${reason}: stopping; nothing half-done is published${reason.endsWith('SIGINT') ? ' (press Ctrl-C again to quit at once)' : ''}\n`);
    },
    finish(summary) {
      output.write(`${summaryLine(summary)}\n`);
    },
  };
}
