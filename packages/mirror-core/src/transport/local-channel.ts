import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { InvalidUrlError, TransportError } from '../errors.js';
import { redactUrl } from '../redact.js';
import type { GitService, RequestBody, ServiceChannel } from './channel.js';

/** Options of local sources. */
export interface LocalOptions {
  /** The git executable running `upload-pack` (or `receive-pack`). Default `git`. */
  gitPath?: string;
}

/** Whether `url` names a local repository: `file://…` or a path (no `scheme://`, no scp-like `host:path`). */
export function isLocalUrl(url: string): boolean {
  if (url.startsWith('file://')) return true;
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !/^[^/]+:/.test(url);
}

/** The absolute path of a local repository URL (`file:///path` or a path). */
function localPath(url: string): string {
  if (!url.startsWith('file://')) return resolve(url);
  try {
    return fileURLToPath(url);
  } catch (error) {
    // Node refuses another host than localhost, an encoded `/` and a malformed %-escape.
    throw new InvalidUrlError(`Invalid file URL ${redactUrl(url)}: ${(error as Error).message}`);
  }
}

/**
 * Runs the installed `git upload-pack --stateless-rpc` (or `receive-pack`) on a local repository: one process for
 * the advertisement and one per request, exactly what `git http-backend` does behind smart HTTP.
 */
export function createLocalChannel(url: string, options: LocalOptions = {}, service: GitService = 'git-upload-pack'): ServiceChannel {
  const path = localPath(url);
  const git = options.gitPath ?? 'git';
  const command = service.slice('git-'.length);
  const run = (args: string[], input: RequestBody | undefined, protocolV2: boolean, signal?: AbortSignal) =>
    runService(git, command, [command, '--stateless-rpc', ...args, path], input, protocolV2, url, signal);
  return {
    url,
    smartHttp: false,
    advertise: async ({ protocolV2, signal }) => run(['--http-backend-info-refs'], undefined, protocolV2, signal),
    request: async (body, { protocolV2, signal }) => run([], body, protocolV2, signal),
  };
}

async function* runService(
  git: string,
  command: string,
  args: string[],
  input: RequestBody | undefined,
  protocolV2: boolean,
  url: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const env = { ...process.env, GIT_PROTOCOL: protocolV2 ? 'version=2' : '' };
  const child = spawn(git, args, { env, stdio: ['pipe', 'pipe', 'pipe'], signal });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on('error', () => {});
  const exit = new Promise<number | null>((resolveExit, rejectExit) => {
    child.on('error', rejectExit);
    child.on('close', (code) => resolveExit(code));
  });
  exit.catch(() => {});
  if (input === undefined || input instanceof Uint8Array) child.stdin.end(input);
  else {
    pipeline(Readable.from(input), child.stdin).catch((error: unknown) => {
      child.stdout.destroy(error as Error);
      child.kill();
    });
  }
  try {
    for await (const chunk of child.stdout) yield chunk as Uint8Array;
    signal?.throwIfAborted();
    const code = await exit.catch((error: Error) => {
      signal?.throwIfAborted();
      throw new TransportError('UPLOAD_PACK_FAILED', `${url}: cannot run ${git} ${command}: ${error.message}`, { cause: error });
    });
    if (code !== 0) {
      const message = Buffer.concat(stderr).toString('utf8').trim() || `exit code ${code}`;
      throw new TransportError('UPLOAD_PACK_FAILED', `${url}: git ${command} failed: ${message}`);
    }
  } finally {
    if (child.exitCode === null) child.kill();
  }
}
