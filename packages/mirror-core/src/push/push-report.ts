import type { PktLineReader } from '@gitmirror/git-pktline';
import { quoteServerText, sanitizeServerText } from '../server-text.js';

/**
 * A receive-pack `report-status` (or `report-status-v2`): whether the pack unpacked, and each ref's outcome. The
 * target's messages are sanitised ({@link sanitizeServerText}): they end up in errors shown on terminals.
 */
export interface PushReport {
  /** `undefined` when the pack unpacked (`unpack ok`), else the target's error message. */
  unpackError?: string;
  /** Ref name → `undefined` when updated (`ok`), else the reason it was refused (`ng`). */
  refs: Map<string, string | undefined>;
}

const decoder = new TextDecoder();

/**
 * Reads a report up to its flush: `unpack ok|<error>`, then `ok <ref>` / `ng <ref> <reason>` lines; the `option`
 * lines of `report-status-v2` (refs a `proc-receive` hook renamed) are accepted and left out.
 * @throws Error on a line that belongs in no report.
 */
export async function readPushReport(reader: PktLineReader): Promise<PushReport> {
  const lines = (await reader.readUntilFlush()).map((line) => decoder.decode(line).replace(/\n$/, ''));
  const unpack = lines.shift();
  if (unpack === undefined || !unpack.startsWith('unpack ')) throw new Error(`the report starts with ${quoteServerText(unpack ?? '')} instead of "unpack …"`);
  const report: PushReport = { refs: new Map() };
  if (unpack !== 'unpack ok') report.unpackError = sanitizeServerText(unpack.slice('unpack '.length));
  for (const line of lines) {
    if (line.startsWith('ok ')) report.refs.set(line.slice(3), undefined);
    else if (line.startsWith('ng ')) {
      const space = line.indexOf(' ', 3);
      if (space < 0) report.refs.set(line.slice(3), 'rejected');
      else report.refs.set(line.slice(3, space), sanitizeServerText(line.slice(space + 1)));
    } else if (!line.startsWith('option ')) throw new Error(`unexpected report line ${quoteServerText(line)}`);
  }
  return report;
}
