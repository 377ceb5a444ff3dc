import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from './io.js';
import { runMirror } from './run-mirror.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

function captureIo(): Io & { lines: string[] } {
  const lines: string[] = [];
  const write = (text: string) => lines.push(text);
  return { lines, stdout: { write }, stderr: { write }, stdin: new PassThrough(), env: {}, signal: new AbortController().signal, interruptedBy: () => undefined };
}

describe('runMirror', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('mirrors each --source to its --target, reports every repository and fails when one fails', async () => {
    const source = join(dir, 'source');
    git(dir, 'init', '-q', '-b', 'trunk', source);
    git(source, '-c', 'user.name=A', '-c', 'user.email=a@example.com', 'commit', '-q', '--allow-empty', '-m', 'first');
    const io = captureIo();

    const code = await runMirror({ source: [source, join(dir, 'missing')], target: [join(dir, 'good'), join(dir, 'bad')] }, io);
    expect(code).toBe(1);
    const results = io.lines.filter((line) => !/: (fetching|publishing)\n$/.test(line));
    expect(results).toHaveLength(4);
    expect(results).toContainEqual(expect.stringMatching(/source -> .*\/good: 1 created, 0 updated, 0 deleted, pack-[0-9a-f]{40}\.pack \(2 objects, \d+ B\) in \d+ ms\n$/));
    const error = results.findIndex((line) => line.startsWith('error: '));
    expect(results[error]).toMatch(/^error: .*missing -> .*\/bad: .*git upload-pack failed/);
    expect(results[error + 1]).toMatch(/^hint: check that the path is a git repository/);
    expect(results[3]).toMatch(/^2 repositories: 1 changed, 0 up to date, 1 failed in /);

    git(dir, 'clone', '-q', join(dir, 'good'), join(dir, 'clone'));
    expect(git(join(dir, 'clone'), 'log', '--format=%s')).toBe('first\n');

    const again = captureIo();
    expect(await runMirror({ source: [source], target: [join(dir, 'good')] }, again)).toBe(0);
    expect(again.lines).toEqual([expect.stringMatching(/: up to date in \d+ ms\n$/), expect.stringMatching(/^1 repository: 0 changed, 1 up to date, 0 failed/)]);
  });
});
