import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitFile, git } from '@gitmirror/test-servers';
import type { MirrorRef } from '../refs.js';

export { commitFile, forEachRef, git, gitAsync, tempDir } from '@gitmirror/test-servers';

/**
 * A unique temporary directory path for a suite, created by the first repository made under it: a suite whose tests
 * are all skipped or filtered out runs no hook, and then leaves nothing behind.
 */
export function suiteDir(prefix = 'mirror-core-'): { path: string; remove(): void } {
  const path = join(tmpdir(), `${prefix}${randomBytes(6).toString('hex')}`);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Creates a work-tree repository with what a mirror must carry: several branches (names sorting in tricky byte
 * orders), a merge, a binary file, annotated, lightweight and nested annotated tags, and `HEAD` on `develop`.
 */
export function createSourceRepo(path: string): string {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  commitFile(path, 'README.md', '# fixture\n', 'initial');
  commitFile(path, 'logo.bin', Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 37) % 256)), 'binary');
  git(path, 'tag', 'v0.1');
  git(path, 'checkout', '-q', '-b', 'feature/a-b');
  commitFile(path, 'feature.txt', 'feature work\n');
  git(path, 'checkout', '-q', 'main');
  commitFile(path, 'main.txt', 'main work\n');
  git(path, 'merge', '-q', '--no-ff', '-m', 'merge feature', 'feature/a-b');
  git(path, 'tag', '-a', '-m', 'release 1.0', 'v1.0');
  git(path, 'tag', '-a', '-m', 'tag of a tag', 'v1.0-signed', 'v1.0');
  git(path, 'branch', 'feature-x');
  git(path, 'branch', 'Zeta');
  git(path, 'branch', 'ünïcode');
  git(path, 'checkout', '-q', '-b', 'develop');
  commitFile(path, 'develop.txt', 'develop\n');
  return path;
}

/** The refs of a repository as `git show-ref -d` reports them, with fully peeled ids for annotated tags. */
export function showRefs(repo: string): MirrorRef[] {
  const refs: MirrorRef[] = [];
  for (const line of git(repo, 'show-ref', '-d').split('\n')) {
    if (!line) continue;
    const [oid, name] = line.split(' ');
    if (name.endsWith('^{}')) refs.at(-1)!.peeled = oid;
    else refs.push({ name, oid });
  }
  return refs;
}
