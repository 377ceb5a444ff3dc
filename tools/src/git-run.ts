import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
/** Room for the largest output a fixture reads from git: whole packs of the big-object tests. */
const MAX_OUTPUT = 1 << 30;

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

/**
 * The environment of one git command: this process's, less any `GIT_*` it inherited (a test run from a git hook
 * would otherwise send every fixture's git to the hook's repository), then {@link fixedGitEnv}, the next second of a
 * fake clock as author and committer date (fixtures are the same on every run), and `extra`.
 */
export function gitEnvironment(extra: Readonly<Record<string, string | undefined>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('GIT_')) env[key] = value;
  const date = `${clock++} +0000`;
  Object.assign(env, fixedGitEnv, { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs git in `cwd` with {@link gitEnvironment}, blocking; returns stdout as text. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: gitEnvironment(), encoding: 'utf8', maxBuffer: MAX_OUTPUT });
}

/** Runs git in `cwd` with {@link gitEnvironment}, blocking, feeding it `input`; returns stdout's bytes (a pack, an index). */
export function gitBytes(cwd: string, args: readonly string[], options: { input?: Uint8Array | string; env?: Record<string, string> } = {}): Buffer {
  return execFileSync('git', args, { cwd, env: gitEnvironment(options.env), input: options.input ?? '', maxBuffer: MAX_OUTPUT, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Runs git without blocking the event loop (needed when the server it talks to runs in this process). */
export async function gitAsync(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, { cwd, env: gitEnvironment(), encoding: 'utf8', maxBuffer: MAX_OUTPUT });
  return stdout;
}

/** Options of {@link runCommand}. */
export interface RunOptions {
  cwd?: string;
  /** The whole environment of the command; this process's when left out. */
  env?: Readonly<Record<string, string>>;
  /** Written to the command's stdin, which is then closed. */
  input?: Uint8Array | string;
  /** Resolve even if the command exits non-zero (e.g. after it sent an ERR packet). */
  allowFailure?: boolean;
}

/** What a command printed, and how it ended. */
export interface RunResult {
  stdout: Buffer;
  stderr: string;
  /** The exit status, or null when a signal ended the command. */
  code: number | null;
}

/** Runs a command without blocking the event loop; rejects, with its stderr, when it exits non-zero unless `allowFailure` is set. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8'), code };
      if (code === 0 || options.allowFailure) resolve(result);
      else reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${result.stderr}`));
    });
    // A command that exits before reading its input closes the pipe; that is its answer, not an error of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(options.input);
  });
}

/** Options of {@link runGit}: those of {@link runCommand}, but `env` holds variables to set (or, `undefined`, unset) over {@link gitEnvironment}. */
export interface GitRunOptions extends Omit<RunOptions, 'env'> {
  env?: Readonly<Record<string, string | undefined>>;
}

/** Runs git with {@link gitEnvironment} plus `options.env`, without blocking the event loop. */
export function runGit(args: readonly string[], options: GitRunOptions = {}): Promise<RunResult> {
  return runCommand('git', args, { ...options, env: gitEnvironment(options.env) });
}
