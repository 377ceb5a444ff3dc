#!/usr/bin/env node
// Throughput of `serve --queue`: --mirrors small mirrors (default 200, each a folder mirror of one small local
// repository) triggered at once through the API of the first replica, synced by one replica and then by three
// (--concurrency 2 each), sharing the Redis of tools/servers/redis.sh (its database 7, flushed first); and, for
// reference, by one replica with the in-process queue. Per side it prints the wall time from the first trigger until
// every mirror has synced once (the sum of gitmirror_syncs_total{result="success"} over the replicas), syncs per
// second, and the Redis commands per sync (INFO commandstats before and after, the scrapes included).
//
// usage: node tools/bench/serve-replicas.mjs [--mirrors 200] [--runs 1]
// needs: built packages (npm run build), . /tmp/gitmirror-servers/redis/env
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';

const { values } = parseArgs({ options: { mirrors: { type: 'string', default: '200' }, runs: { type: 'string', default: '1' } } });
const count = Number(values.mirrors);
const runs = Number(values.runs);
const cli = fileURLToPath(new URL('../../packages/mirror-cli/dist/bin.js', import.meta.url));
const redisUrl = process.env.GITMIRROR_REDIS_URL;
if (!redisUrl) throw new Error('GITMIRROR_REDIS_URL is not set: bash tools/servers/redis.sh start, then . /tmp/gitmirror-servers/redis/env');
const queue = `${redisUrl}/7`;
const TOKEN = 'bench-token';

const work = mkdtempSync(join(tmpdir(), 'gitmirror-serve-bench-'));
const source = join(work, 'source');
execFileSync('git', ['init', '-q', '-b', 'main', source]);
for (let i = 0; i < 5; i++) {
  writeFileSync(join(source, `file-${i}.txt`), `line ${i}\n`.repeat(50));
  execFileSync('git', ['-C', source, 'add', '.']);
  execFileSync('git', ['-C', source, '-c', 'user.name=b', '-c', 'user.email=b@example.com', 'commit', '-q', '-m', `commit ${i}`]);
}

const results = {};
try {
  for (let run = 0; run < runs; run++) {
    for (const [side, replicas, withQueue] of [['in-process, 1 replica', 1, false], ['redis, 1 replica', 1, true], ['redis, 3 replicas', 3, true]]) {
      const measured = await benchSide(side, `${run}-${replicas}-${withQueue}`, replicas, withQueue);
      (results[side] ??= []).push(measured);
      console.log(`run ${run + 1} ${side}: ${measured.seconds.toFixed(2)} s, ${(count / measured.seconds).toFixed(1)} syncs/s${withQueue ? `, ${measured.redisPerSync.toFixed(1)} Redis commands per sync` : ''}`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`\n${count} mirrors, --concurrency 2 per replica, ${runs} run(s) (median):\n| side | wall | syncs/s | Redis commands per sync |\n|---|---|---|---|`);
for (const [side, list] of Object.entries(results)) {
  const seconds = [...list.map((r) => r.seconds)].sort((a, b) => a - b)[Math.floor(list.length / 2)];
  const perSync = list.at(-1).redisPerSync;
  console.log(`| ${side} | ${seconds.toFixed(2)} s | ${(count / seconds).toFixed(1)} | ${Number.isNaN(perSync) ? '—' : perSync.toFixed(1)} |`);
}

async function benchSide(side, key, replicas, withQueue) {
  const folder = join(work, `side-${key}`);
  const config = join(folder, 'serve.yaml');
  execFileSync('mkdir', ['-p', folder]);
  writeFileSync(config, `mirrors:\n${Array.from({ length: count }, (_, i) => `  - name: m${i}\n    source: ${source}\n    target: ${join(folder, 'mirrors', `m${i}`)}\n`).join('')}`);
  const redis = new Redis(queue);
  await redis.flushdb();
  await redis.config('RESETSTAT');
  const servers = [];
  try {
    for (let i = 0; i < replicas; i++) servers.push(await startServe(config, withQueue ? ['--queue', queue] : []));
    const before = withQueue ? await commandCalls(redis) : 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: count }, (_, i) => fetch(`${servers[0].url}/api/mirrors/m${i}/sync`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.text())));
    // Failed syncs never count as done: past the deadline the side fails instead of waiting for ever.
    for (const deadline = Date.now() + 10 * 60 * 1000; ; ) {
      const done = (await Promise.all(servers.map(successes))).reduce((a, b) => a + b, 0);
      if (done >= count) break;
      if (Date.now() > deadline) throw new Error(`${side}: ${done} of ${count} mirrors synced after 10 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const redisPerSync = withQueue ? ((await commandCalls(redis)) - before) / count : NaN;
    return { seconds, redisPerSync };
  } finally {
    for (const server of servers) server.child.kill('SIGKILL');
    await redis.quit();
  }
}

/** Every command Redis has run since the last RESETSTAT (INFO commandstats). */
async function commandCalls(redis) {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

async function successes(server) {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return [...text.matchAll(/^gitmirror_syncs_total\{[^}]*result="success"[^}]*\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

function startServe(config, extra) {
  const child = spawn(process.execPath, [cli, 'serve', '--config', config, '--listen', '127.0.0.1:0', '--concurrency', '2', ...extra], {
    env: { ...process.env, MIRROR_GIT_TO_S3_API_TOKEN: TOKEN, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let text = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      text += chunk;
      const line = text.split('\n').find((candidate) => candidate.includes('"msg":"listening"'));
      if (line) resolve({ child, url: JSON.parse(line).url });
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${text}`)));
  });
}
