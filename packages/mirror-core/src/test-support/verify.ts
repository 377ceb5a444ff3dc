import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { forEachRef, git, gitAsync, tempDir } from '@gitmirror/test-servers';

/**
 * Clones `url` with stock `git clone --mirror` (dumb HTTP when `url` is a static server) and checks the clone:
 * `git fsck --full` clean, refs equal to `expectedRefs` (`git for-each-ref` output), HEAD on `expectedHead`.
 */
export async function expectClonesAs(url: string, expectedRefs: string, expectedHead?: string): Promise<void> {
  const dir = tempDir('mirror-clone-');
  try {
    const clone = join(dir.path, 'clone.git');
    await gitAsync(dir.path, 'clone', '-q', '--mirror', url, clone);
    git(clone, 'fsck', '--full', '--strict', '--no-progress');
    expect(forEachRef(clone)).toBe(expectedRefs);
    if (expectedHead) expect(readFileSync(join(clone, 'HEAD'), 'utf8')).toBe(`ref: ${expectedHead}\n`);
  } finally {
    dir.remove();
  }
}

/** `git ls-remote` output of a repository URL or path. */
export function lsRemote(url: string): Promise<string> {
  return gitAsync(process.cwd(), 'ls-remote', url);
}

/** Object ids in a pack index, sorted, as `git show-index` lists them. */
export function packObjectIds(idx: Uint8Array): string[] {
  return execFileSync('git', ['show-index'], { input: idx, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[1])
    .sort();
}

/** The ids of the objects reachable from `tips` but not from `exclude`, sorted (`git rev-list --objects`). */
export function objectsBetween(repo: string, tips: readonly string[], exclude: readonly string[]): string[] {
  const args = ['rev-list', '--objects', ...tips, ...(exclude.length > 0 ? ['--not', ...exclude] : [])];
  return [...new Set(git(repo, ...args).split('\n').filter(Boolean).map((line) => line.slice(0, 40)))].sort();
}
