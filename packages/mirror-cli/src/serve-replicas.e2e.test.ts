import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { commitFile, createKillTestSource, createSourceRepo, redisTestServer, tempDir } from '@gitmirror/test-servers';
import { Redis } from 'ioredis';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorStatus } from './serve/mirror-status.js';
import { runCli } from './test-support/cli.js';
import { call, eventually, startServe, TOKEN, type Served } from './test-support/serve.js';

const { url: redisUrl, skipReason } = redisTestServer();
/** A Redis database of this file's own, so that other tests sharing the server see none of its keys. */
const QUEUE = redisUrl && `${redisUrl}/5`;
const MIRRORS = Array.from({ length: 12 }, (_, i) => `m${String(i).padStart(2, '0')}`);

async function successes(served: Served): Promise<Map<string, number>> {
  const families = parsePrometheusTextFormat((await call(`${served.url}/metrics`)).text);
  const syncs = families.find((family) => family.name === 'gitmirror_syncs_total');
  const counts = new Map<string, number>();
  for (const metric of syncs?.metrics ?? []) if (metric.labels?.result === 'success') counts.set(metric.labels.mirror!, Number(metric.value));
  return counts;
}

const total = (counts: Map<string, number>[], mirror?: string) =>
  counts.reduce((sum, byMirror) => sum + [...byMirror].filter(([name]) => mirror === undefined || name === mirror).reduce((s, [, n]) => s + n, 0), 0);

describe.skipIf(!QUEUE)(`serve --queue: replicas sharing one Redis${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const dir = tempDir();
  const config = join(dir.path, 'serve.yaml');
  const replicas: Served[] = [];
  const start = async () => {
    const served = await startServe(config, ['--queue', QUEUE!, '--concurrency', '1'], { MIRROR_GIT_TO_S3_QUEUE_LOCK: '3s' });
    replicas.push(served);
    return served;
  };
  const statuses = async (via: Served) => new Map(((await call(`${via.url}/api/mirrors`, { token: TOKEN })).body.mirrors as MirrorStatus[]).map((mirror) => [mirror.name, mirror]));
  const alive = () => replicas.filter((served) => served.child.exitCode === null && served.child.signalCode === null);

  beforeAll(async () => {
    const redis = new Redis(QUEUE!);
    await redis.flushdb();
    await redis.quit();
    const entries = MIRRORS.map((name) => {
      createSourceRepo(join(dir.path, 'repos', name));
      return `  - name: ${name}\n    source: ${join(dir.path, 'repos', name)}\n    target: ${join(dir.path, 'mirrors', name)}\n`;
    });
    createKillTestSource(join(dir.path, 'repos', 'big'));
    entries.push(`  - name: big\n    source: ${join(dir.path, 'repos', 'big')}\n    target: ${join(dir.path, 'mirrors', 'big')}\n`);
    createSourceRepo(join(dir.path, 'repos', 'tick'));
    writeFileSync(config, `mirrors:\n${entries.join('')}`);
    await start();
    await start();
  });
  afterAll(async () => {
    for (const served of replicas) served.child.kill('SIGKILL');
    dir.remove();
  });

  it('syncs each triggered mirror exactly once in total, and both replicas take work', { timeout: 60_000 }, async () => {
    const [a, b] = replicas as [Served, Served];
    for (const name of MIRRORS) expect((await call(`${(name.endsWith('0') ? b : a).url}/api/mirrors/${name}/sync`, { method: 'POST', token: TOKEN })).status).toBe(202);
    await eventually(async () => ([...(await statuses(b)).values()].filter((mirror) => MIRRORS.includes(mirror.name) && mirror.lastSuccess).length === MIRRORS.length ? true : undefined), 40_000, 'every mirror to sync');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const counts = await Promise.all([a, b].map(successes));
    expect(total(counts)).toBe(MIRRORS.length);
    for (const name of MIRRORS) expect(total(counts, name), name).toBe(1);
    expect(counts.every((byReplica) => total([byReplica]) > 0)).toBe(true);
  });

  it('with three replicas, a second round also syncs each mirror once, spread over the replicas', { timeout: 60_000 }, async () => {
    await start();
    const before = await Promise.all(replicas.map(successes));
    for (const name of MIRRORS) commitFile(join(dir.path, 'repos', name), 'round-2.txt', `${name}\n`);
    for (const [i, name] of MIRRORS.entries()) await call(`${replicas[i % 3]!.url}/api/mirrors/${name}/sync`, { method: 'POST', token: TOKEN });
    await eventually(async () => (total(await Promise.all(replicas.map(successes))) - total(before) === MIRRORS.length ? true : undefined), 40_000, 'the second round');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = await Promise.all(replicas.map(successes));
    expect(total(after) - total(before)).toBe(MIRRORS.length);
    expect(after.filter((byReplica, i) => total([byReplica]) > total([before[i]!])).length).toBeGreaterThanOrEqual(2);
    expect((await call(`${replicas[2]!.url}/metrics`)).text).toMatch(/^gitmirror_queue_depth 0$/m);
  });

  it('finishes on another replica the sync of one killed with SIGKILL, and the mirror verifies', { timeout: 90_000 }, async () => {
    const [first] = alive();
    await call(`${first!.url}/api/mirrors/big/sync`, { method: 'POST', token: TOKEN });
    const syncing = await eventually(async () => alive().find((served) => served.logs().some((line) => line.msg === 'sync started' && line.mirror === 'big')), 20_000, 'a replica to start big');
    syncing.child.kill('SIGKILL');
    await syncing.exited;
    const survivor = alive()[0]!;
    await eventually(async () => ((await statuses(survivor)).get('big')?.lastSuccess ? true : undefined), 60_000, 'another replica to finish big');
    expect(alive().some((served) => served.logs().some((line) => line.msg === 'sync done' && line.mirror === 'big'))).toBe(true);
    expect(await runCli(['verify', '--full', join(dir.path, 'mirrors', 'big')])).toMatchObject({ code: 0 });
  });

  it('fires a schedule once per period across the replicas', { timeout: 60_000 }, async () => {
    const tick = `  - name: tick\n    source: ${join(dir.path, 'repos', 'tick')}\n    target: ${join(dir.path, 'mirrors', 'tick')}\n    schedule: 2s\n`;
    const before = total(await Promise.all(alive().map(successes)), 'tick');
    writeFileSync(config, `${readFileSync(config, 'utf8')}${tick}`);
    await eventually(async () => ((await statuses(alive()[0]!)).get('tick')?.nextScheduled ? true : undefined), 10_000, 'the schedule to register');
    const begun = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const fired = total(await Promise.all(alive().map(successes)), 'tick') - before;
    const periods = (Date.now() - begun) / 2_000;
    expect(fired).toBeGreaterThanOrEqual(2);
    expect(fired).toBeLessThanOrEqual(Math.ceil(periods) + 1);
  });
});

describe.skipIf(!redisUrl)(`serve --queue: Redis restarting under load${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  const dir = tempDir();
  let redis: ChildProcess | undefined;
  let port = 0;
  const replicas: Served[] = [];
  const startRedis = async () => {
    // A Redis of this test's own, persisting every write: it is restarted, and what was queued must survive.
    redis = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir.path], { stdio: 'ignore' });
    await eventually(async () => {
      const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => {});
      try {
        await client.connect();
        return (await client.ping()) === 'PONG' ? true : undefined;
      } catch {
        return undefined;
      } finally {
        client.disconnect();
      }
    }, 10_000, 'redis to start');
  };
  afterAll(async () => {
    for (const served of replicas) served.child.kill('SIGKILL');
    redis?.kill('SIGKILL');
    dir.remove();
  });

  it('reconnects the replicas and syncs every mirror triggered before the restart', { timeout: 90_000 }, async () => {
    port = await freePort();
    await startRedis();
    const config = join(dir.path, 'serve.yaml');
    const names = Array.from({ length: 8 }, (_, i) => `r${i}`);
    const source = createSourceRepo(join(dir.path, 'source'));
    writeFileSync(config, `mirrors:\n${names.map((name) => `  - name: ${name}\n    source: ${source}\n    target: ${join(dir.path, 'mirrors', name)}\n`).join('')}`);
    for (let i = 0; i < 2; i++) replicas.push(await startServe(config, ['--queue', `redis://127.0.0.1:${port}`, '--concurrency', '1'], { MIRROR_GIT_TO_S3_QUEUE_LOCK: '3s' }));
    for (const name of names) expect((await call(`${replicas[0]!.url}/api/mirrors/${name}/sync`, { method: 'POST', token: TOKEN })).status).toBe(202);
    redis!.kill('SIGTERM');
    await new Promise((resolve) => redis!.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await startRedis();
    await eventually(
      async () => {
        const { body } = await call(`${replicas[1]!.url}/api/mirrors`, { token: TOKEN }).catch(() => ({ body: undefined }));
        return body?.mirrors?.every((mirror: MirrorStatus) => mirror.lastSuccess) ? true : undefined;
      },
      60_000,
      'every mirror to sync after the restart',
    );
    expect(replicas.every((served) => served.child.exitCode === null)).toBe(true);
    for (const name of names) expect((await runCli(['verify', join(dir.path, 'mirrors', name)])).code, name).toBe(0);
  });
});

/** A TCP port nothing listens on, from the kernel. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
