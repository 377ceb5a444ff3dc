import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { constantTimeEqual } from './constant-time.js';
import type { ServeMetrics } from './metrics.js';
import type { MirrorStatus } from './mirror-status.js';
import type { ServedMirror } from './served-mirrors.js';
import { statusPage } from './status-page.js';
import type { SyncQueue, TriggerOutcome } from './sync-queue.js';
import { readWebhook, type Forge } from './webhooks.js';

/** What the routes of `serve` work with. */
export interface ServeApp {
  /** The mirrors served now (the list changes on reload). */
  mirrors(): readonly ServedMirror[];
  queue: SyncQueue;
  metrics: ServeMetrics;
  webhookSecret?: string;
  apiToken?: string;
  /** Whether the config is loaded and the targets answer; the problems otherwise. */
  ready(): Promise<string[]>;
  log: Logger;
}

/** Largest request body read (webhook payloads are far smaller). */
export const MAX_BODY_BYTES = 1024 * 1024;
const FORGES = new Set<Forge>(['github', 'gitlab', 'gitea']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The request handler of `serve`: `GET /healthz`, `GET /readyz`, `GET /metrics`, `POST /webhooks/<forge>`,
 * `POST /api/mirrors/<name>/sync`, `GET /api/mirrors` and the status page at `GET /`. Errors answer as JSON,
 * `{ "error": { "code", "message" } }`.
 */
export function createServeHandler(app: ServeApp): (request: IncomingMessage, response: ServerResponse) => void {
  return (request, response) => {
    route(app, request, response).catch((error: unknown) => {
      const http = error instanceof HttpError ? error : new HttpError(500, 'INTERNAL', 'internal error');
      if (!(error instanceof HttpError)) app.log.error({ code: 'INTERNAL', err: String(error) }, 'request failed');
      if (!response.headersSent) sendJson(response, http.status, { error: { code: http.code, message: http.message } });
      else response.destroy();
    });
  };
}

async function route(app: ServeApp, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://serve').pathname;
  const method = request.method ?? 'GET';
  const allow = (...methods: string[]) => {
    if (!methods.includes(method)) {
      response.setHeader('allow', methods.join(', '));
      throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path} (allowed: ${methods.join(', ')})`);
    }
  };
  if (path === '/healthz') return allow('GET'), sendJson(response, 200, { status: 'ok' });
  if (path === '/readyz') {
    allow('GET');
    const problems = await app.ready();
    return sendJson(response, problems.length === 0 ? 200 : 503, { ready: problems.length === 0, problems });
  }
  if (path === '/metrics') {
    allow('GET');
    const text = await app.metrics.registry.metrics();
    response.writeHead(200, { 'content-type': app.metrics.registry.contentType });
    return void response.end(text);
  }
  if (path === '/') {
    allow('GET');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    return void response.end(statusPage(await statuses(app)));
  }
  const webhook = /^\/webhooks\/([a-z]+)$/.exec(path);
  if (webhook && FORGES.has(webhook[1] as Forge)) return allow('POST'), webhookRoute(app, webhook[1] as Forge, request, response);
  if (path === '/api/mirrors') {
    allow('GET');
    authorize(app, request);
    return sendJson(response, 200, { mirrors: await statuses(app) });
  }
  const sync = /^\/api\/mirrors\/([^/]+)\/sync$/.exec(path);
  if (sync) {
    allow('POST');
    authorize(app, request);
    const name = decodeURIComponent(sync[1]!);
    if (!app.mirrors().some((mirror) => mirror.name === name)) throw new HttpError(404, 'UNKNOWN_MIRROR', `no mirror is named ${JSON.stringify(name)}`);
    const outcome = await app.queue.trigger(name, 'api');
    app.log.info({ mirror: name, trigger: 'api', outcome }, 'sync requested');
    return sendJson(response, 202, { mirror: name, outcome });
  }
  throw new HttpError(404, 'NOT_FOUND', `nothing at ${path}`);
}

async function webhookRoute(app: ServeApp, forge: Forge, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const body = await readBody(request);
  const verdict = readWebhook(forge, { headers: request.headers, body }, app.webhookSecret);
  switch (verdict.kind) {
    case 'unauthorized':
      app.log.warn({ forge, code: 'UNAUTHORIZED', reason: verdict.reason }, 'webhook refused');
      throw new HttpError(401, 'UNAUTHORIZED', verdict.reason);
    case 'bad-request':
      throw new HttpError(400, 'BAD_REQUEST', verdict.reason);
    case 'ping':
      return sendJson(response, 200, { ok: true });
    case 'ignored':
      return sendJson(response, 202, { event: verdict.event, mirrors: [] });
    case 'repository': {
      const urls = new Set(verdict.urls);
      const matched = app.mirrors().filter((mirror) => urls.has(mirror.matchUrl));
      const triggered: { name: string; outcome: TriggerOutcome }[] = [];
      for (const mirror of matched) triggered.push({ name: mirror.name, outcome: await app.queue.trigger(mirror.name, 'webhook') });
      app.log.info({ forge, event: verdict.event, mirrors: triggered.map((entry) => entry.name) }, 'webhook received');
      return sendJson(response, 202, { event: verdict.event, mirrors: triggered });
    }
  }
}

async function statuses(app: ServeApp): Promise<MirrorStatus[]> {
  const mirrors = app.mirrors();
  const statuses = await app.queue.statuses(mirrors.map((mirror) => mirror.name));
  return mirrors.map((mirror, i) => ({ name: mirror.name, source: mirror.source, target: mirror.target, ...statuses[i]! }));
}

/** Checks `Authorization: Bearer <token>` in constant time; without a configured token the API is closed. */
function authorize(app: ServeApp, request: IncomingMessage): void {
  if (!app.apiToken) throw new HttpError(401, 'UNAUTHORIZED', 'the API is closed: set MIRROR_GIT_TO_S3_API_TOKEN (or server.api-token-file) to open it');
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  if (!match || !constantTimeEqual(match[1]!.trim(), app.apiToken)) {
    throw new HttpError(401, 'UNAUTHORIZED', 'missing or wrong bearer token');
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new HttpError(413, 'BODY_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > MAX_BODY_BYTES) throw new HttpError(413, 'BODY_TOO_LARGE', `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(`${JSON.stringify(body)}\n`);
}
