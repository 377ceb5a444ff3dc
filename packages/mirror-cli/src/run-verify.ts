import { openStorage } from '@gitmirror/dumb-storage';
import { commandSettings } from './config-file.js';
import type { Io } from './io.js';
import { writeCommandFailure } from './report/reporter.js';
import { createStyle } from './report/style.js';
import { isS3Url, loadS3Sdk, targetOptions } from './target-options.js';
import { verifyMirror } from './verify/verify-mirror.js';

/**
 * Verifies the mirror at `target`, prints each finding like git fsck (`error: …`, `warning: …`) and a closing line,
 * or the report as JSON; returns 0 when it holds no error, 1 otherwise.
 */
export async function runVerify(flags: Record<string, unknown>, io: Io): Promise<number> {
  const target = String(flags.target);
  const settings = await commandSettings(flags, io.env);
  let report;
  try {
    if (isS3Url(target)) await loadS3Sdk();
    const storage = await openStorage(target, targetOptions(settings));
    report = await verifyMirror(storage, { full: settings.full, signal: io.signal });
  } catch (error) {
    writeCommandFailure(io, settings, `verify ${target}`, error as Error);
    return 1;
  }
  if (settings.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (!settings.quiet) {
    const style = createStyle(io.stderr.isTTY === true, io.env);
    for (const finding of report.findings) {
      const label = finding.severity === 'error' ? style.red('error:') : style.yellow('warning:');
      io.stderr.write(`${label} ${finding.message}\n`);
    }
    const errors = report.findings.filter((finding) => finding.severity === 'error').length;
    const counts = `${report.refs} refs, ${report.packs} packs, ${report.objects} objects`;
    io.stderr.write(errors === 0 ? `${report.target}: ${counts}: ${style.green('ok')}\n` : `${report.target}: ${counts}: ${style.red(`${errors} problem${errors === 1 ? '' : 's'}`)}\n`);
  }
  return report.ok ? 0 : 1;
}
