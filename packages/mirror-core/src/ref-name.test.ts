import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { isValidRefName, refNameProblem } from './ref-name.js';

/** `git check-ref-format [--allow-onelevel] <name>`'s verdict. */
function gitAccepts(name: string, allowOneLevel: boolean): boolean {
  const args = ['check-ref-format', ...(allowOneLevel ? ['--allow-onelevel'] : []), name];
  const run = spawnSync('git', args, { stdio: 'ignore', timeout: 10_000 });
  if (run.status !== 0 && run.status !== 1) throw new Error(`git check-ref-format ${JSON.stringify(name)} exited with ${run.status}`);
  return run.status === 0;
}

const NAMES = [
  'refs/heads/main',
  'refs/heads/feature/a-b',
  'refs/tags/v1.0',
  'refs/heads/a.b',
  'refs/heads/a./b',
  'refs/heads/-dash',
  'refs/heads/a@b',
  'refs/heads/@',
  'refs/heads/a@',
  'refs/heads/a{b}',
  'refs/heads/x.lockx',
  'refs/heads/lock',
  'refs/heads/ünïcode',
  'refs/heads/日本語',
  'refs/heads/emoji-😀',
  'refs/heads/c1-\u0085-\u009b',
  'refs/heads/bidi-\u202e',
  'refs/heads/a..b',
  'refs/heads/..',
  'refs/heads/.',
  'refs/heads/a..',
  'refs/heads/a.',
  'refs/heads/.hidden',
  'refs/heads/a/.b',
  'refs/heads/a.lock',
  'refs/heads/.lock',
  'refs/heads/a.lock/b',
  'refs/heads/a@{1}',
  'refs/heads/a@{',
  'refs/heads//double',
  'refs//heads',
  '/refs/heads/leading',
  'refs/heads/trailing/',
  'refs/heads/star*',
  'refs/heads/*',
  'refs/heads/question?',
  'refs/heads/bracket[',
  'refs/heads/back\\slash',
  'refs/heads/tilde~1',
  'refs/heads/caret^',
  'refs/heads/colon:x',
  'refs/heads/a b',
  'refs/heads/tab\tx',
  'refs/heads/del\x7fx',
  'refs/heads/soh\x01x',
  'refs/heads/new\nline',
  'refs/heads/cr\rx',
  'refs/heads/esc\x1b[2J',
  '@',
  '',
  'main',
  'HEAD',
  'FETCH_HEAD',
  '../../../../etc/passwd',
  'refs/heads/../../../etc/passwd',
];

describe('ref names, as git check-ref-format judges them', () => {
  it.each(NAMES.map((name) => [JSON.stringify(name), name]))('%s', (_, name) => {
    expect(isValidRefName(name)).toBe(gitAccepts(name, false));
    expect(isValidRefName(name, { allowOneLevel: true })).toBe(gitAccepts(name, true));
  });

  it('accepts and refuses some of each kind, so the table tests both verdicts', () => {
    const verdicts = NAMES.map((name) => isValidRefName(name));
    expect(verdicts.filter(Boolean).length).toBeGreaterThan(10);
    expect(verdicts.filter((valid) => !valid).length).toBeGreaterThan(30);
  });

  it('refuses a NUL anywhere, which git cannot even receive as an argument', () => {
    expect(refNameProblem('refs/heads/a\0b')).toBe('it contains a control character');
    expect(refNameProblem('refs/heads/main\0')).toBe('it contains a control character');
  });

  it('says why a name is refused', () => {
    expect(refNameProblem('refs/heads/a..b')).toBe('it contains ".."');
    expect(refNameProblem('refs/heads/x.lock')).toBe('a component ends with ".lock"');
    expect(refNameProblem('refs/heads/a b')).toBe('it contains a space');
    expect(refNameProblem('main')).toBe('it has a single component');
    expect(refNameProblem('refs/heads/main')).toBeUndefined();
  });
});
