import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { addLargeCommit, createSourceRepo, forEachRef, startGitHttpServer, tempDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/cli.js';

/** Bytes a throttled response passes per tick, and the tick: about 160 KiB/s. */
const SLICE = 16 * 1024;
const TICK_MS = 100;

/** A loopback proxy in front of `target` whose response bodies trickle out at about 160 KiB/s. */
async function startThrottlingProxy(target: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((incoming, outgoing) => {
    const upstream = forward(new URL(incoming.url ?? '/', target), { method: incoming.method, headers: incoming.headers }, (response) => {
      outgoing.writeHead(response.statusCode ?? 502, response.headers);
      const throttle = new Transform({
        async transform(chunk: Buffer, _encoding, done) {
          for (let offset = 0; offset < chunk.length; offset += SLICE) {
            await sleep(TICK_MS);
            this.push(chunk.subarray(offset, offset + SLICE));
          }
          done();
        },
      });
      pipeline(response, throttle, outgoing).catch(() => outgoing.destroy());
    });
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('mirror-git-to-s3 progress in plain logs (built CLI, throttled smart-HTTP source)', () => {
  const dir = tempDir();
  const source = join(dir.path, 'repos', 'slow');
  let server: { url: string; close(): Promise<void> };
  let proxy: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    createSourceRepo(source);
    addLargeCommit(source, 'main', 3, 128 * 1024);
    server = await startGitHttpServer({ projectRoot: join(dir.path, 'repos') });
    proxy = await startThrottlingProxy(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
    dir.remove();
  });

  it('prints objects, bytes and rate every interval while a slow pack arrives, outside a terminal', async () => {
    const target = join(dir.path, 'mirror');
    const started = performance.now();
    const run = await runCli(['--source', `${proxy.url}/slow`, '--target', target], { env: { MIRROR_GIT_TO_S3_PROGRESS_INTERVAL: '500ms' } });
    const seconds = (performance.now() - started) / 1000;
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n');
    const progress = lines.filter((line) => / -> .*: (fetching|receiving)(, .*)? \([\d.]+ (ms|s)\)$/.test(line));
    const receiving = lines.filter((line) => / -> .*: receiving, \d+\/\d+ objects, [\d.]+ (B|KiB|MiB), [\d.]+ (B|KiB|MiB)\/s \([\d.]+ (ms|s)\)$/.test(line));
    // The pack (about 400 KiB) takes seconds through the proxy: a line every half second, give or take start-up.
    expect(seconds).toBeGreaterThan(3);
    expect(progress.length).toBeGreaterThanOrEqual(Math.floor(seconds / 0.5) - 4);
    expect(receiving.length).toBeGreaterThanOrEqual(3);
    const objects = receiving.map((line) => Number(/receiving, (\d+)\//.exec(line)![1]));
    expect(objects).toEqual([...objects].sort((a, b) => a - b));
    expect(forEachRef(target)).toEqual(forEachRef(source));
  });
});
