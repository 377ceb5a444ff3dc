import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** Runs git in `cwd` with a fixed identity; returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Runs git without blocking the event loop (for servers running in the test process). */
export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = 'mirror-cli-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes a file and commits everything. */
export function commitFile(repo: string, file: string, content: string | Uint8Array): void {
  writeFileSync(join(repo, file), content);
  git(repo, 'add', '--all');
  git(repo, 'commit', '-q', '-m', `change ${file}`);
}

/** A repository with branches, a merge, a binary file, lightweight and annotated tags, and HEAD on `develop`. */
export function createSourceRepo(path: string): string {
  mkdirSync(path, { recursive: true });
  git(path, 'init', '-q', '-b', 'main');
  commitFile(path, 'README.md', '# fixture\n');
  commitFile(path, 'logo.bin', Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 37) % 256)));
  git(path, 'tag', 'v0.1');
  git(path, 'checkout', '-q', '-b', 'feature');
  commitFile(path, 'feature.txt', 'feature work\n');
  git(path, 'checkout', '-q', 'main');
  commitFile(path, 'main.txt', 'main work\n');
  git(path, 'merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
  git(path, 'tag', '-a', '-m', 'release 1.0', 'v1.0');
  git(path, 'checkout', '-q', '-b', 'develop');
  commitFile(path, 'develop.txt', 'develop\n');
  return path;
}

/** Adds one commit on `branch` holding `files` incompressible blobs of `size` bytes each (a large pack, quickly). */
export function addLargeCommit(repo: string, branch: string, files: number, size: number): void {
  const parent = git(repo, 'rev-parse', '--verify', '-q', branch).trim();
  const chunks: Buffer[] = [Buffer.from(`commit refs/heads/${branch}\ncommitter Ada <ada@example.com> 1700000000 +0000\ndata 5\nlarge\nfrom ${parent}\n`)];
  for (let index = 0; index < files; index++) {
    chunks.push(Buffer.from(`M 100644 inline large/${index}.bin\ndata ${size}\n`), randomBytes(size), Buffer.from('\n'));
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, input: Buffer.concat(chunks), env: { ...process.env, ...GIT_ENV } });
}

/** `git for-each-ref` of a repository: every ref with its object id. */
export function forEachRef(repo: string): string {
  return git(repo, 'for-each-ref', '--format=%(objectname) %(refname)');
}
