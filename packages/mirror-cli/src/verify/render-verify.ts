import { LEFTOVER_FINDING_CODES, type VerifyReport } from '@gitmirror/mirror-core';
import type { TextOutput } from '../io.js';
import type { Style } from '../report/style.js';

/** What a leftover finding adds for users of the command: the option setting the grace period. */
const LEFTOVER_OPTION = ' (--leftover-grace, default 1h)';

/** The report as the command shows it: leftover findings name `--leftover-grace`. */
export function commandReport(report: VerifyReport): VerifyReport {
  const findings = report.findings.map((finding) =>
    LEFTOVER_FINDING_CODES.includes(finding.code) ? { ...finding, message: `${finding.message}${LEFTOVER_OPTION}` } : finding,
  );
  return { ...report, findings };
}

/** Prints each finding like git fsck (`error: …`, `warning: …`), then a closing line with the counts. */
export function writeVerifyText(report: VerifyReport, output: TextOutput, style: Style): void {
  for (const finding of report.findings) {
    const label = finding.severity === 'error' ? style.red('error:') : style.yellow('warning:');
    output.write(`${label} ${finding.message}\n`);
  }
  const errors = report.findings.filter((finding) => finding.severity === 'error').length;
  const counts = `${report.refs} refs, ${report.packs} packs, ${report.objects} objects`;
  output.write(errors === 0 ? `${report.target}: ${counts}: ${style.green('ok')}\n` : `${report.target}: ${counts}: ${style.red(`${errors} problem${errors === 1 ? '' : 's'}`)}\n`);
}
