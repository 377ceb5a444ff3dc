import { openStorage } from '@gitmirror/dumb-storage';
import { verifyMirror } from '@gitmirror/mirror-core';
import { commandSettings } from './config-file.js';
import type { Io } from './io.js';
import { writeCommandFailure } from './report/reporter.js';
import { createStyle } from './report/style.js';
import { isS3Url, loadS3Sdk, targetOptions } from './target-options.js';
import { commandReport, writeVerifyText } from './verify/render-verify.js';

/**
 * Verifies the mirror at `target` (mirror-core's `verifyMirror`), prints each finding like git fsck (`error: …`,
 * `warning: …`) and a closing line, or the report as JSON; returns 0 when it holds no error, 1 otherwise.
 */
export async function runVerify(flags: Record<string, unknown>, io: Io): Promise<number> {
  const target = String(flags.target);
  const settings = await commandSettings(flags, io.env);
  let report;
  try {
    if (isS3Url(target)) await loadS3Sdk();
    const storage = await openStorage(target, targetOptions(settings));
    report = commandReport(await verifyMirror(storage, { full: settings.full, signal: io.signal }));
  } catch (error) {
    writeCommandFailure(io, settings, `verify ${target}`, error as Error);
    return 1;
  }
  if (settings.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (!settings.quiet) writeVerifyText(report, io.stderr, createStyle(io.stderr.isTTY === true, io.env));
  return report.ok ? 0 : 1;
}
