import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { listen, type RunningServer } from './listen.js';

/** One request the git server received, as reported to {@link GitHttpServerOptions.onRequest}. */
export interface GitHttpRequest {
  method: string;
  /** Path below the server's URL, e.g. `/repo.git/info/refs`. */
  path: string;
  /** Query string without `?`, e.g. `service=git-upload-pack`. */
  query: string;
  /** The `Git-Protocol` header, e.g. `version=2`, when the client sent one. */
  gitProtocol?: string;
}

/** Options of {@link startGitHttpServer}. */
export interface GitHttpServerOptions {
  /** Folder whose repositories are served: `<url>/<path>` serves `<projectRoot>/<path>`. */
  projectRoot: string;
  /** Accept pushes (`git-receive-pack`) without authentication. Default false. */
  receivePack?: boolean;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Called for every request before it reaches `git http-backend`. */
  onRequest?: (request: GitHttpRequest) => void;
}

const MAX_CGI_HEADER_BYTES = 64 * 1024;

/**
 * Starts a smart-HTTP git server on loopback: a `node:http` server running `git http-backend` as CGI per request,
 * streaming request and response bodies, with the `Git-Protocol` header passed on so protocol v2 works.
 */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<RunningServer> {
  const server = createServer((request, response) => {
    serveWithBackend(request, response, options).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`git http-backend failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  return listen(server, options.port ?? 0);
}

async function serveWithBackend(request: IncomingMessage, response: ServerResponse, options: GitHttpServerOptions): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1');
  const gitProtocol = request.headers['git-protocol'];
  const info: GitHttpRequest = { method: request.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.search.slice(1) };
  if (typeof gitProtocol === 'string') info.gitProtocol = gitProtocol;
  options.onRequest?.(info);

  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    PATH_INFO: info.path,
    QUERY_STRING: info.query,
    REQUEST_METHOD: info.method,
    REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
  };
  if (request.headers['content-type']) env.CONTENT_TYPE = request.headers['content-type'];
  if (request.headers['content-length']) env.CONTENT_LENGTH = request.headers['content-length'];
  if (request.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = request.headers['content-encoding'];
  if (info.gitProtocol) env.GIT_PROTOCOL = info.gitProtocol;
  if (options.receivePack) {
    Object.assign(env, { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.receivepack', GIT_CONFIG_VALUE_0: 'true' });
  }

  const backend = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: Buffer[] = [];
  backend.stderr.on('data', (chunk: Buffer) => stderr.length < 64 && stderr.push(chunk));
  const ended = new Promise<string>((resolve) => {
    backend.once('error', (error) => resolve(`could not run git: ${error.message}`));
    backend.once('close', (code) => resolve(`exited with ${code}`));
  });
  response.on('close', () => {
    if (!response.writableFinished) backend.kill();
  });
  backend.stdin.on('error', () => {}); // the backend may exit before reading the whole body; its output tells why
  request.pipe(backend.stdin);

  const head = await readCgiHead(backend.stdout);
  if (head === undefined) {
    throw new Error(`${await ended} before sending headers: ${Buffer.concat(stderr).toString().trim()}`);
  }
  writeCgiHead(response, head);
  await pipeline(backend.stdout, response);
}

/** Reads the CGI headers, leaving the body unread in `stdout`; undefined when the output ends first. */
async function readCgiHead(stdout: Readable): Promise<string | undefined> {
  let head: Buffer = Buffer.alloc(0);
  for await (const chunk of stdout.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const end = findHeaderEnd(head);
    if (end) {
      if (end.end < head.length) stdout.unshift(head.subarray(end.end));
      return head.subarray(0, end.start).toString('latin1');
    }
    if (head.length > MAX_CGI_HEADER_BYTES) throw new Error('CGI headers too long');
  }
  return undefined;
}

/** The byte range of the blank line ending the CGI headers (`\r\n\r\n` or `\n\n`), if present. */
function findHeaderEnd(head: Buffer): { start: number; end: number } | undefined {
  const crlf = head.indexOf('\r\n\r\n');
  const lf = head.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { start: crlf, end: crlf + 4 };
  if (lf >= 0) return { start: lf, end: lf + 2 };
  return undefined;
}

function writeCgiHead(response: ServerResponse, text: string): void {
  let status = 200;
  let reason: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') {
      const match = /^(\d{3})\s*(.*)$/.exec(value);
      if (match) {
        status = Number(match[1]);
        reason = match[2] || undefined;
      }
    } else {
      response.appendHeader(name, value);
    }
  }
  response.writeHead(status, reason);
}
