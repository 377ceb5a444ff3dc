import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasScript, runCliInTerminal } from './test-support/cli.js';
import { addLargeCommit, createSourceRepo, forEachRef, tempDir } from '@gitmirror/test-servers';

const skipped = hasScript() ? '' : ' (skipped: util-linux script is not installed)';
const COLOR = /\x1b\[(3[0-9]|1|2|22|39)m/;
const ERASE_LIVE_LINES = /\x1b\[\d+F\x1b\[0J/;

describe.skipIf(skipped !== '')(`progress in a terminal (built CLI under script)${skipped}`, () => {
  const dir = tempDir();
  const source = join(dir.path, 'source');

  beforeAll(() => {
    createSourceRepo(source);
    addLargeCommit(source, 'main', 2, 2 * 1024 * 1024);
  });
  afterAll(() => dir.remove());

  it('redraws a line per repository with phase, objects, bytes and rate, then prints a summary table, in color', async () => {
    const refs = forEachRef(source).trim().split('\n').length;
    const { code, output } = await runCliInTerminal(['--source', source, '--target', join(dir.path, 'one'), '--source', join(dir.path, 'missing'), '--target', join(dir.path, 'two')]);
    expect(code).toBe(1);
    expect(output).toMatch(ERASE_LIVE_LINES);
    const text = output.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    expect(text).toMatch(/source -> .*\/one {2}(listing refs|fetching)/);
    expect(text).toMatch(/source -> .*\/one {2}(receiving|resolving deltas|publishing) {2}\d+\/\d+ objects {2}[\d.]+ (B|KiB|MiB) {2}[\d.]+ (B|KiB|MiB)\/s/);
    expect(text).toMatch(new RegExp(String.raw`✓ .*source -> .*\/one: ${refs} created, 0 updated, 0 deleted, pack-[0-9a-f]{40}\.pack \(\d+ objects, [\d.]+ MiB\) \(`));
    expect(text).toMatch(/^error: .*missing -> .*two: .*git upload-pack failed/m);
    expect(text).toMatch(/^hint: check that the path is a git repository/m);
    expect(text).toMatch(/^repository +status +refs \+\/~\/- +objects +size +time\r?$/m);
    expect(text).toMatch(new RegExp(String.raw`^.*source -> .*\/one +mirrored +${refs}\/0\/0 +\d+ +[\d.]+ MiB +[\d.]+ m?s\r?$`, 'm'));
    expect(text).toMatch(/^.*missing -> .*\/two +failed\r?$/m);
    expect(text).toMatch(/^2 repositories: 1 changed, 0 up to date, 1 failed in /m);
    expect(output).toMatch(COLOR);
  });

  it('prints no color with NO_COLOR, and nothing at all with --quiet', async () => {
    const plain = await runCliInTerminal(['--source', source, '--target', join(dir.path, 'three')], { env: { NO_COLOR: '1' } });
    expect(plain.code).toBe(0);
    expect(plain.output).toMatch(/1 repository: 1 changed/);
    expect(plain.output).toMatch(ERASE_LIVE_LINES);
    expect(plain.output).not.toMatch(COLOR);
    expect(await runCliInTerminal(['--quiet', '--source', source, '--target', join(dir.path, 'three')])).toEqual({ code: 0, output: '' });
  });
});
