import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built command, as npm installs it. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

/** How a run of the command ended. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Options of {@link runCli}. */
export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed (default: stdin closed at once). */
  input?: string;
  cwd?: string;
}

/** The environment of a child: this process's, without any MIRROR_GIT_TO_S3_ variable, plus `extra`. */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MIRROR_GIT_TO_S3_') && name !== 'NO_COLOR'));
  return { ...env, ...extra };
}

/** Starts `mirror-git-to-s3 args…` as a child process. */
export function spawnCli(args: readonly string[], options: Omit<RunOptions, 'input'> = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Collects a child's output until it exits. */
export function finished(child: ChildProcess): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `mirror-git-to-s3 args…` to the end. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliRun> {
  const child = spawnCli(args, options);
  const done = finished(child);
  child.stdin?.end(options.input ?? '');
  return done;
}

/** Resolves once `stream` has printed text matching `pattern` (rejects if it ends first). */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  let text = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        stream.off('data', onData);
        resolve(text);
      }
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`output ended without ${pattern}:\n${text}`)));
  });
}

/** Whether util-linux `script` (a pseudo-terminal runner) is installed. */
export function hasScript(): boolean {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `mirror-git-to-s3 args…` in a 120-column pseudo-terminal through `script`, so stdout and stderr are TTYs;
 * resolves with everything the terminal showed and the exit status.
 */
export function runCliInTerminal(args: readonly string[], options: Omit<RunOptions, 'input'> = {}): Promise<{ code: number | null; output: string }> {
  const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
  const command = `stty cols 120; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: options.cwd, env: childEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end();
  return finished(child).then(({ code, stdout, stderr }) => ({ code, output: stdout + stderr }));
}
