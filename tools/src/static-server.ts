import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { listen, type RunningServer } from './listen.js';

/** Options of {@link startStaticServer}. */
export interface StaticServerOptions {
  /** Folder to serve read-only. */
  root: string;
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
}

/**
 * Serves the files of a folder over plain HTTP on loopback (GET and HEAD; 404 for anything that is not a file inside
 * the folder), as a dumb-HTTP git server for a folder export.
 */
export async function startStaticServer(options: StaticServerOptions): Promise<RunningServer> {
  const root = resolve(options.root);
  const server = createServer((request, response) => {
    const send = async (): Promise<void> => {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD' }).end();
        return;
      }
      const path = resolve(root, `.${decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname)}`);
      const stats = path.startsWith(root + sep) ? await stat(path).catch(() => undefined) : undefined;
      if (!stats?.isFile()) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stats.size });
      if (request.method === 'HEAD') response.end();
      else await pipeline(createReadStream(path), response);
    };
    send().catch(() => response.destroy());
  });
  return listen(server, options.port ?? 0);
}
