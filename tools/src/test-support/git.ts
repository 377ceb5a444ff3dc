import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Environment for git commands in tests: no user or system config, fixed identity and dates. */
export const gitEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_COMMITTER_DATE: '1700000000 +0000',
};

/**
 * Runs git asynchronously (never blocking the event loop, so it can talk to servers in this process) and returns its
 * stdout and stderr; rejects with git's stderr when it fails.
 */
export async function runGit(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  try {
    return await execFileAsync('git', args, { cwd: options.cwd, env: { ...gitEnv, ...options.env }, encoding: 'utf8', maxBuffer: 64 << 20 });
  } catch (error) {
    const { code, stderr } = error as { code?: number; stderr?: string };
    throw new Error(`git ${args.join(' ')} exited with ${code}: ${stderr}`);
  }
}

/** Runs git asynchronously and returns its stdout. */
export async function git(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return (await runGit(args, options)).stdout;
}

/** Runs git synchronously, for local set-up only, and returns its stdout. */
export function gitSync(args: string[], options: { cwd?: string } = {}): string {
  return execFileSync('git', args, { cwd: options.cwd, env: gitEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A temporary folder removed by `remove()`. */
export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'gitmirror-tools-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Creates a bare repository at `path` with two branches, an annotated and a lightweight tag, a merge and a binary
 * blob of `binaryBytes` pseudo-random bytes, and HEAD on the non-default branch `trunk`.
 */
export function createBareRepo(path: string, binaryBytes = 1 << 20): void {
  const work = `${path}.work`;
  gitSync(['init', '-q', '-b', 'trunk', work]);
  const random = Buffer.alloc(binaryBytes);
  for (let i = 0, x = 12345; i < binaryBytes; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    random[i] = x >>> 24;
  }
  writeFileSync(join(work, 'blob.bin'), random);
  writeFileSync(join(work, 'readme.txt'), 'one\n');
  gitSync(['add', '.'], { cwd: work });
  gitSync(['commit', '-q', '-m', 'first'], { cwd: work });
  gitSync(['tag', '-a', '-m', 'v1', 'v1'], { cwd: work });
  gitSync(['checkout', '-q', '-b', 'feature'], { cwd: work });
  writeFileSync(join(work, 'feature.txt'), 'feature\n');
  gitSync(['add', '.'], { cwd: work });
  gitSync(['commit', '-q', '-m', 'feature'], { cwd: work });
  gitSync(['checkout', '-q', 'trunk'], { cwd: work });
  writeFileSync(join(work, 'readme.txt'), 'two\n');
  gitSync(['commit', '-q', '-am', 'second'], { cwd: work });
  gitSync(['merge', '-q', '--no-ff', '-m', 'merge feature', 'feature'], { cwd: work });
  gitSync(['tag', 'light'], { cwd: work });
  gitSync(['clone', '-q', '--bare', work, path]);
  rmSync(work, { recursive: true, force: true });
}

/** `git for-each-ref` of a repository: every ref with its object id, for comparing repositories. */
export function refsOf(repo: string): string {
  return gitSync(['for-each-ref', '--format=%(objectname) %(refname)'], { cwd: repo });
}
