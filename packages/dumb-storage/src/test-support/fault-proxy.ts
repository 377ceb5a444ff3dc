import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does with one request: forward it, answer with an S3 error, drop the connection, or forward it and
 * drop the connection instead of relaying the answer (the server did the work; the client never hears of it).
 */
export type Fault = 'forward' | 'reset' | 'drop-response' | { status: number; code: string };

/** A loopback HTTP proxy in front of an S3 server that injects faults, and counts requests. */
export interface FaultProxy {
  endpoint: string;
  /** Requests received so far, as `METHOD path?query`. */
  readonly requests: string[];
  close(): Promise<void>;
}

/** Starts a proxy to `target` where `decide(request, index)` picks each request's fate. Headers pass unchanged. */
export async function startFaultProxy(target: string, decide: (request: IncomingMessage, index: number) => Fault): Promise<FaultProxy> {
  const upstream = new URL(target);
  const requests: string[] = [];
  const server = createServer((incoming, response) => {
    const index = requests.push(`${incoming.method} ${incoming.url}`) - 1;
    const fault = decide(incoming, index);
    if (fault === 'reset') {
      incoming.socket.destroy();
      return;
    }
    if (typeof fault === 'object') {
      incoming.resume();
      incoming.on('end', () => {
        response.writeHead(fault.status, { 'content-type': 'application/xml' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${fault.code}</Code><Message>injected</Message></Error>`);
      });
      return;
    }
    const forwarded = request(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        if (fault === 'drop-response') {
          answer.resume();
          answer.on('end', () => incoming.socket.destroy());
          return;
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => incoming.socket.destroy());
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
