// Child processes for the end-to-end benchmarks (broker-express.mjs, mirror-express.mjs, mirror-s3-latency.mjs), run
// asynchronously so the calling process keeps serving the git repositories they read from.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Runs a command, its stderr shown, and resolves to its stdout; rejects when it exits non-zero. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'], ...options });
    const chunks = [];
    child.stdout.on('data', (chunk) => chunks.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`))));
  });
}

/** Runs `command` (program and arguments) under GNU time, which writes to `timeFile`; returns its wall time, peak RSS and stdout. */
export async function measure(command, env, timeFile) {
  const started = performance.now();
  const stdout = await run('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...command], { env });
  const seconds = (performance.now() - started) / 1000;
  return { seconds, rssKiB: Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)), stdout };
}

/** The median of `values` (the upper one of an even count); `values` is left as it is. */
export function median(values) {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** The environment of a benchmarked command that talks to the S3 test `server` (its keys and region, no Node warnings). */
export function s3Env(server) {
  return {
    ...process.env,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: server.region,
    NODE_NO_WARNINGS: '1',
  };
}
