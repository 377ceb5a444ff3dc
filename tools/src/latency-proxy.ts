import { Agent, createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { listen, type RunningServer } from './listen.js';

/** One request the proxy forwarded, as reported to {@link LatencyProxyOptions.onRequest}. */
export interface ProxiedRequest {
  method: string;
  /** Path and query as the client sent them, e.g. `/bucket/objects/pack/pack-1.pack?partNumber=2`. */
  url: string;
  /** The `Range` header, when the client sent one. */
  range?: string;
}

/** Options of {@link startLatencyProxy}. */
export interface LatencyProxyOptions {
  /** Base URL of the server to forward to, e.g. `http://127.0.0.1:7480` (plain HTTP on loopback). */
  target: string;
  /** Delay every request pays before it is forwarded, in milliseconds. Default 30 (a real S3 endpoint: 20–50 ms). */
  delayMs?: number;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** Called for every request as it arrives, before its delay. */
  onRequest?: (request: ProxiedRequest) => void;
}

/** What went through a {@link LatencyProxy} since it started or since its last {@link LatencyProxy.reset}. */
export interface LatencyProxyCounts {
  /** Requests received. */
  requests: number;
  /** Requests by method, e.g. `{ GET: 12, PUT: 3 }`. */
  byMethod: Record<string, number>;
  /** Requests with a `Range` header, by method. */
  rangedByMethod: Record<string, number>;
  /** Request body bytes forwarded to the server. */
  bytesUp: number;
  /** Response body bytes forwarded to the clients. */
  bytesDown: number;
}

/** A running {@link startLatencyProxy}. */
export interface LatencyProxy extends RunningServer {
  /** A copy of the counts so far. */
  counts(): LatencyProxyCounts;
  /** Sets every count back to zero. */
  reset(): void;
}

// Hop-by-hop headers belong to one connection; `expect` too, as this server has already answered 100-continue.
const NOT_FORWARDED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'expect']);

/**
 * Starts an HTTP proxy on loopback in front of `target`: every request waits `delayMs`, then goes to the target with
 * its method, path and headers unchanged (the `Host` header included, so S3 signatures still match), and both bodies
 * stream through without being buffered. Counts requests, ranged requests and body bytes each way.
 */
export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:') throw new Error(`latency proxy target must be http://, got ${target.protocol}`);
  const delayMs = options.delayMs ?? 30;
  const agent = new Agent({ keepAlive: true });
  const counts = emptyCounts();

  const server = createServer((request, response) => {
    const method = request.method ?? 'GET';
    const range = request.headers.range;
    counts.requests += 1;
    counts.byMethod[method] = (counts.byMethod[method] ?? 0) + 1;
    if (range !== undefined) counts.rangedByMethod[method] = (counts.rangedByMethod[method] ?? 0) + 1;
    options.onRequest?.({ method, url: request.url ?? '/', ...(range === undefined ? {} : { range }) });
    relay(request, response, target, agent, delayMs, counts).catch(() => {
      if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' }).end('latency proxy: upstream failed\n');
      else response.destroy();
    });
  });
  const running = await listen(server, options.port ?? 0);
  return {
    url: running.url,
    counts: () => ({ ...counts, byMethod: { ...counts.byMethod }, rangedByMethod: { ...counts.rangedByMethod } }),
    reset: () => {
      Object.assign(counts, emptyCounts()); // in place: bytes still in flight count from now on
    },
    close: async () => {
      await running.close();
      agent.destroy();
    },
  };
}

function emptyCounts(): LatencyProxyCounts {
  return { requests: 0, byMethod: {}, rangedByMethod: {}, bytesUp: 0, bytesDown: 0 };
}

async function relay(request: IncomingMessage, response: ServerResponse, target: URL, agent: Agent, delayMs: number, counts: LatencyProxyCounts): Promise<void> {
  if (delayMs > 0) await sleep(delayMs);
  const upstream = forward({
    agent,
    host: target.hostname,
    port: target.port,
    method: request.method,
    path: request.url,
    headers: forwardedHeaders(request.rawHeaders),
  });
  const answered = new Promise<IncomingMessage>((resolve, reject) => {
    upstream.once('response', resolve);
    upstream.once('error', reject);
  });
  response.once('close', () => {
    if (!response.writableFinished) upstream.destroy();
  });
  const sent = pipeline(request, counter((bytes) => (counts.bytesUp += bytes)), upstream);
  sent.catch(() => {}); // awaited below; a failure before the response rejects `answered` as well
  const reply = await answered;
  response.writeHead(reply.statusCode ?? 502, reply.statusMessage, forwardedHeaders(reply.rawHeaders));
  await Promise.all([sent, pipeline(reply, counter((bytes) => (counts.bytesDown += bytes)), response)]);
}

/** Raw headers (`[name, value, name, value, …]`, case and order kept) without those of {@link NOT_FORWARDED}. */
function forwardedHeaders(raw: string[]): string[] {
  const headers: string[] = [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    if (!NOT_FORWARDED.has(raw[index]!.toLowerCase())) headers.push(raw[index]!, raw[index + 1]!);
  }
  return headers;
}

/** A pass-through stream reporting the size of every chunk. */
function counter(onBytes: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
}
