import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLatencyProxy, type ProxiedRequest } from './latency-proxy.js';
import { listen, type RunningServer } from './listen.js';

const MiB = 1024 * 1024;

/** What the upstream saw of the last request. */
let seen: { method: string; url: string; headers: IncomingHttpHeaders; bodyBytes: number } | undefined;
let upstream: RunningServer;

beforeAll(async () => {
  upstream = await listen(
    createServer((req, res) => {
      let bodyBytes = 0;
      req.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
      req.on('end', () => {
        seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bodyBytes };
        if (req.url === '/missing') res.writeHead(404, { 'x-upstream': 'yes' }).end('no such key');
        else if (req.headers.range) res.writeHead(206, { 'content-range': 'bytes 0-3/11' }).end('0123');
        else if (req.method === 'HEAD') res.writeHead(200, { 'content-length': '11' }).end();
        else res.writeHead(200, { 'x-upstream': 'yes' }).end(req.method === 'PUT' ? `stored ${bodyBytes}` : 'hello world');
      });
    }),
    0,
  );
});
afterAll(() => upstream.close());

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('latency proxy', () => {
  it('makes every request wait the delay before it reaches the server, concurrent requests in parallel', async () => {
    const proxy = await startLatencyProxy({ target: upstream.url, delayMs: 150 });
    try {
      let started = performance.now();
      expect((await send(`${proxy.url}/one`)).body).toBe('hello world');
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
      started = performance.now();
      await Promise.all(Array.from({ length: 5 }, (_, index) => send(`${proxy.url}/many/${index}`)));
      const elapsed = performance.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(145);
      expect(elapsed).toBeLessThan(5 * 150);
    } finally {
      await proxy.close();
    }
    const direct = await startLatencyProxy({ target: upstream.url, delayMs: 0 });
    try {
      const started = performance.now();
      await send(`${direct.url}/one`);
      expect(performance.now() - started).toBeLessThan(145);
    } finally {
      await direct.close();
    }
  });

  it('forwards method, path, headers (Host included), status and bodies, and counts them', async () => {
    const arrivals: ProxiedRequest[] = [];
    const proxy = await startLatencyProxy({ target: upstream.url, delayMs: 1, onRequest: (r) => arrivals.push(r) });
    try {
      const host = new URL(proxy.url).host;
      const put = await send(`${proxy.url}/bucket/key?partNumber=2`, { method: 'PUT', body: Buffer.alloc(1000, 7), headers: { 'x-amz-test': 'a' } });
      expect(put).toMatchObject({ status: 200, body: 'stored 1000' });
      expect(put.headers['x-upstream']).toBe('yes');
      expect(seen).toMatchObject({ method: 'PUT', url: '/bucket/key?partNumber=2', bodyBytes: 1000 });
      expect(seen?.headers.host).toBe(host);
      expect(seen?.headers['x-amz-test']).toBe('a');

      const ranged = await send(`${proxy.url}/bucket/pack`, { headers: { range: 'bytes=0-3' } });
      expect(ranged).toMatchObject({ status: 206, body: '0123' });
      expect(ranged.headers['content-range']).toBe('bytes 0-3/11');
      expect(seen?.headers.range).toBe('bytes=0-3');
      expect(await send(`${proxy.url}/missing`)).toMatchObject({ status: 404, body: 'no such key' });
      expect(await send(`${proxy.url}/bucket/key`, { method: 'HEAD' })).toMatchObject({ status: 200, body: '' });

      expect(proxy.counts()).toEqual({
        requests: 4,
        byMethod: { PUT: 1, GET: 2, HEAD: 1 },
        rangedByMethod: { GET: 1 },
        bytesUp: 1000,
        bytesDown: 'stored 1000'.length + '0123'.length + 'no such key'.length,
      });
      expect(arrivals).toEqual([
        { method: 'PUT', url: '/bucket/key?partNumber=2' },
        { method: 'GET', url: '/bucket/pack', range: 'bytes=0-3' },
        { method: 'GET', url: '/missing' },
        { method: 'HEAD', url: '/bucket/key' },
      ]);
      proxy.reset();
      expect(proxy.counts()).toEqual({ requests: 0, byMethod: {}, rangedByMethod: {}, bytesUp: 0, bytesDown: 0 });
    } finally {
      await proxy.close();
    }
  });

  it('answers 502 when the server is unreachable', async () => {
    const gone = await listen(createServer(), 0);
    await gone.close();
    const proxy = await startLatencyProxy({ target: gone.url, delayMs: 0 });
    try {
      expect((await send(`${proxy.url}/x`)).status).toBe(502);
    } finally {
      await proxy.close();
    }
  });

  it('refuses a target that is not http://', async () => {
    await expect(startLatencyProxy({ target: 'https://127.0.0.1:1' })).rejects.toThrow(/must be http:\/\//);
  });

  it('streams a 50 MiB upload and a 50 MiB download without its process growing by 50 MiB', async () => {
    // The server and the client run in a child process, so this process's RSS is the proxy's.
    const child = spawn(process.execPath, ['--input-type=module', '-e', STREAMING_PEER, String(50 * MiB)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    try {
      const upstreamUrl = (await lines.next()).value as string;
      const proxy = await startLatencyProxy({ target: upstreamUrl, delayMs: 5 });
      try {
        // Collecting garbage before each sample leaves what the proxy holds, not the chunks it let go of.
        const gc = collectGarbage();
        gc();
        const baseline = process.memoryUsage.rss();
        let peak = baseline;
        const sampler = setInterval(() => {
          gc();
          peak = Math.max(peak, process.memoryUsage.rss());
        }, 20);
        child.stdin.write(`${proxy.url}\n`);
        const result = JSON.parse((await lines.next()).value as string) as { uploaded: number; downloaded: number };
        clearInterval(sampler);
        expect(result).toEqual({ uploaded: 50 * MiB, downloaded: 50 * MiB });
        expect(proxy.counts()).toMatchObject({ requests: 2, bytesUp: 50 * MiB, bytesDown: 50 * MiB + 'ok'.length });
        expect(peak - baseline).toBeLessThan(50 * MiB);
      } finally {
        await proxy.close();
      }
    } finally {
      child.kill();
      await once(child, 'exit');
    }
  });
});

/** V8's `gc()`, which this process was not started with `--expose-gc` for. */
function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * The child of the streaming test: prints the URL of a server that discards PUT bodies and answers GET with argv[1]
 * bytes, reads the proxy's URL from stdin, PUTs and GETs argv[1] bytes through it (slowly enough to make a proxy that
 * does not stream hold them) and prints `{ uploaded, downloaded }`.
 */
const STREAMING_PEER = `
import { createServer, request } from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
const size = Number(process.argv[1]);
const block = Buffer.alloc(1024 * 1024, 97);
async function writeBody(stream) {
  for (let sent = 0; sent < size; sent += block.length) {
    if (!stream.write(block.subarray(0, Math.min(block.length, size - sent)))) await once(stream, 'drain');
  }
  stream.end();
}
const server = createServer((req, res) => {
  let uploaded = 0;
  req.on('data', (chunk) => (uploaded += chunk.length));
  req.on('end', () => {
    if (req.method === 'PUT') {
      server.uploaded = uploaded;
      res.end('ok');
    }
    else writeBody(res);
  });
});
server.listen(0, '127.0.0.1', async () => {
  console.log('http://127.0.0.1:' + server.address().port);
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const proxy = (await lines.next()).value;
  const put = request(proxy + '/upload', { method: 'PUT' });
  const putDone = once(put, 'response').then(([res]) => res.resume() && once(res, 'end'));
  await writeBody(put);
  await putDone;
  const get = request(proxy + '/download');
  get.end();
  const [res] = await once(get, 'response');
  let downloaded = 0;
  for await (const chunk of res) {
    downloaded += chunk.length;
    await new Promise((resolve) => setImmediate(resolve));
  }
  console.log(JSON.stringify({ uploaded: server.uploaded, downloaded }));
  server.close();
  process.stdin.destroy();
});
`;
