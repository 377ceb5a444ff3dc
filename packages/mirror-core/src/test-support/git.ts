import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { MirrorRef } from '../refs.js';

const execFileAsync = promisify(execFile);

const FIXED_ENV = {
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

let clock = 1_700_000_000;

/** Runs git in `cwd` with a fixed identity and an advancing fake clock; returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  const date = `${clock++} +0000`;
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...FIXED_ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** Runs git without blocking the event loop (needed when the server it talks to runs in this process). */
export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: { ...process.env, ...FIXED_ENV }, maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = 'mirror-core-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * A unique temporary directory path for a suite, created by the first repository made under it: a suite whose tests
 * are all skipped or filtered out runs no hook, and then leaves nothing behind.
 */
export function suiteDir(prefix = 'mirror-core-'): { path: string; remove(): void } {
  const path = join(tmpdir(), `${prefix}${randomBytes(6).toString('hex')}`);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes a file in the work tree and commits everything. */
export function commitFile(repo: string, file: string, content: string | Uint8Array, message = `change ${file}`): string {
  writeFileSync(join(repo, file), content);
  git(repo, 'add', '--all');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD').trim();
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

/** `git for-each-ref` output (name, id) of a repository, for equality checks. */
export function forEachRef(repo: string): string {
  return git(repo, 'for-each-ref', '--format=%(objectname) %(refname)');
}
