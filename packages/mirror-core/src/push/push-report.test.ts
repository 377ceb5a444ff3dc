import { encodePacket, FLUSH_PKT, PktLineReader } from '@gitmirror/git-pktline';
import { describe, expect, it } from 'vitest';
import { readPushReport } from './push-report.js';

async function* bytes(lines: string[]): AsyncGenerator<Uint8Array> {
  for (const line of lines) yield encodePacket(line);
  yield FLUSH_PKT;
}
const reader = (...lines: string[]) => new PktLineReader(bytes(lines));

describe('readPushReport', () => {
  it('reads report-status and report-status-v2 lines', async () => {
    const report = await readPushReport(
      reader('unpack ok\n', 'ok refs/heads/main\n', 'option refname refs/heads/main\n', 'ng refs/heads/dev non-fast-forward\n', 'ng refs/heads/x\n'),
    );
    expect(report.unpackError).toBeUndefined();
    expect([...report.refs]).toEqual([
      ['refs/heads/main', undefined],
      ['refs/heads/dev', 'non-fast-forward'],
      ['refs/heads/x', 'rejected'],
    ]);
  });

  it('reports an unpack error', async () => {
    const report = await readPushReport(reader('unpack index-pack abnormal exit\n', 'ng refs/heads/main unpacker error\n'));
    expect(report.unpackError).toBe('index-pack abnormal exit');
  });

  it('rejects what is not a report', async () => {
    await expect(readPushReport(reader('ok refs/heads/main\n'))).rejects.toThrow('instead of "unpack …"');
    await expect(readPushReport(reader('unpack ok\n', 'what?\n'))).rejects.toThrow('unexpected report line "what?"');
  });

  it("escapes control characters in the target's reasons and unpack error", async () => {
    const report = await readPushReport(reader('unpack failed\x1b]0;pwned\x07\n', 'ng refs/heads/main hook\x1b[2J declined\n'));
    expect(report.unpackError).toBe('failed\\x1b]0;pwned\\x07');
    expect(report.refs.get('refs/heads/main')).toBe('hook\\x1b[2J declined');
  });
});
