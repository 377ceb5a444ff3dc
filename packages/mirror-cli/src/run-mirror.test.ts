import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runMirror } from './run-mirror.js';

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' });

describe('runMirror', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mirror-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('mirrors each --source to its --target, reports every repository and fails when one fails', async () => {
    const source = join(dir, 'source');
    git(dir, 'init', '-q', '-b', 'trunk', source);
    git(source, '-c', 'user.name=A', '-c', 'user.email=a@example.com', 'commit', '-q', '--allow-empty', '-m', 'first');
    const lines: string[] = [];
    const output = { stderr: { write: (text: string) => lines.push(text) } };

    const code = await runMirror({ source: [source, join(dir, 'missing')], target: [join(dir, 'good'), join(dir, 'bad')] }, output);
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/source -> .*\/good: 1 created, 0 updated, 0 deleted, pack-[0-9a-f]{40}\.pack \(2 objects, \d+ bytes\)\n$/);
    expect(lines[1]).toMatch(/^error: .*missing -> .*\/bad: .*git upload-pack failed/);

    git(dir, 'clone', '-q', join(dir, 'good'), join(dir, 'clone'));
    expect(git(join(dir, 'clone'), 'log', '--format=%s')).toBe('first\n');

    lines.length = 0;
    expect(await runMirror({ source: [source], target: [join(dir, 'good')] }, output)).toBe(0);
    expect(lines).toEqual([expect.stringMatching(/: up to date\n$/)]);
  });
});
