import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGzip } from 'node:zlib';

/** How the proxy misbehaves, to test a client against real-world servers. */
export interface ProxyOptions {
  /** Answers a request itself when it returns true (status errors, redirects, auth challenges…). */
  intercept?: (request: IncomingMessage, response: ServerResponse, count: number) => boolean;
  /** Gzips every upstream response body. */
  gzip?: boolean;
  /** Cuts the connection of POST responses after this many bytes. */
  dropPostResponseAfter?: number;
}

/** A request the proxy received. */
export interface ProxiedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

/** An HTTP proxy on loopback in front of `upstream` (a base URL), recording the requests it sees. */
export async function startHttpProxy(
  upstream: string,
  options: ProxyOptions = {},
): Promise<{ url: string; requests: ProxiedRequest[]; close(): Promise<void> }> {
  const requests: ProxiedRequest[] = [];
  const base = new URL(upstream);
  const server = createServer((request, response) => {
    requests.push({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers });
    if (options.intercept?.(request, response, requests.length)) return;
    const headers = { ...request.headers, host: base.host };
    delete headers['accept-encoding'];
    const outgoing = forward(
      { host: base.hostname, port: base.port, method: request.method, path: base.pathname.replace(/\/$/, '') + request.url, headers },
      (upstreamResponse) => {
        const responseHeaders = { ...upstreamResponse.headers };
        if (options.gzip) {
          delete responseHeaders['content-length'];
          responseHeaders['content-encoding'] = 'gzip';
        }
        response.writeHead(upstreamResponse.statusCode ?? 502, responseHeaders);
        const limit = request.method === 'POST' ? options.dropPostResponseAfter : undefined;
        if (limit !== undefined) {
          let sent = 0;
          upstreamResponse.on('data', (chunk: Buffer) => {
            const room = limit - sent;
            sent += chunk.length;
            if (room > 0) response.write(chunk.subarray(0, room));
            if (sent >= limit) {
              upstreamResponse.destroy();
              response.socket?.destroy();
            }
          });
          upstreamResponse.on('end', () => response.end());
        } else if (options.gzip) {
          upstreamResponse.pipe(createGzip()).pipe(response);
        } else {
          upstreamResponse.pipe(response);
        }
      },
    );
    outgoing.on('error', () => response.destroy());
    request.pipe(outgoing);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
