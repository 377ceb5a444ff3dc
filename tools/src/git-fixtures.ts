import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const MAX_OUTPUT = 256 * 1024 * 1024;

/** The environment git runs with in tests: a fixed identity, and no system or user configuration. */
export const fixedGitEnv: Readonly<Record<string, string>> = {
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

let clock = 1_700_000_000;

/** Runs git in `cwd` with {@link fixedGitEnv} and an advancing fake clock; returns stdout. */
export function git(cwd: string, ...args: string[]): string {
  const date = `${clock++} +0000`;
  return execFileSync('git', args, {
    cwd,
    env: { ...process.env, ...fixedGitEnv, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    encoding: 'utf8',
    maxBuffer: MAX_OUTPUT,
  });
}

/** Runs git without blocking the event loop (needed when the server it talks to runs in this process). */
export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: { ...process.env, ...fixedGitEnv }, maxBuffer: MAX_OUTPUT });
  return stdout;
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = 'gitmirror-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes a file in the work tree, commits everything, and returns the new commit's id. */
export function commitFile(repo: string, file: string, content: string | Uint8Array, message = `change ${file}`): string {
  writeFileSync(join(repo, file), content);
  git(repo, 'add', '--all');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD').trim();
}

/** `git for-each-ref` output (id, name) of a repository, for equality checks. */
export function forEachRef(repo: string): string {
  return git(repo, 'for-each-ref', '--format=%(objectname) %(refname)');
}
