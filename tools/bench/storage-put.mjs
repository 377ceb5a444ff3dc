#!/usr/bin/env node
// Streams generated bodies through @gitmirror/dumb-storage's S3 put to radosgw (or moto) and prints throughput and the
// peak RSS of the process doing it, one fresh process per size, to show that memory does not grow with object size.
//
//   npm run build -w @gitmirror/dumb-storage
//   eval "$(tools/servers/radosgw.sh start)"        # or: export GITMIRROR_MOTO_ENDPOINT=http://127.0.0.1:5055
//   node tools/bench/storage-put.mjs [--sizes 0,256MiB,1GiB] [--server radosgw|moto] [--part-size 8MiB] [--queue-size 4]
//
// Size 0 loads everything and creates the bucket but puts nothing: the baseline RSS of Node and the SDK. A 64 MiB put
// runs first, unreported, to warm the server up.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const units = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
const parseSize = (text) => {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KiB|MiB|GiB)?$/.exec(text.trim());
  if (!match) throw new Error(`not a size: ${text} (use e.g. 256MiB, 1GiB)`);
  return Math.round(Number(match[1]) * units[match[2] ?? 'B']);
};
const mib = (bytes) => (bytes / units.MiB).toFixed(1);

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '0,256MiB,1GiB' },
    server: { type: 'string' },
    'part-size': { type: 'string' },
    'queue-size': { type: 'string' },
    child: { type: 'string' },
    bucket: { type: 'string' },
  },
});

function serverFromEnvironment() {
  const env = process.env;
  const wanted = values.server ?? (env.GITMIRROR_RADOSGW_ENDPOINT ? 'radosgw' : env.GITMIRROR_MOTO_ENDPOINT ? 'moto' : 'radosgw');
  if (wanted === 'radosgw' && env.GITMIRROR_RADOSGW_ENDPOINT) {
    return {
      name: 'radosgw',
      endpoint: env.GITMIRROR_RADOSGW_ENDPOINT,
      region: env.GITMIRROR_RADOSGW_REGION ?? 'us-east-1',
      credentials: { accessKeyId: env.GITMIRROR_RADOSGW_ACCESS_KEY_ID, secretAccessKey: env.GITMIRROR_RADOSGW_SECRET_ACCESS_KEY },
    };
  }
  if (wanted === 'moto' && env.GITMIRROR_MOTO_ENDPOINT) {
    return { name: 'moto', endpoint: env.GITMIRROR_MOTO_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } };
  }
  throw new Error(`no ${wanted} server: run \`eval "$(tools/servers/radosgw.sh start)"\` or set GITMIRROR_MOTO_ENDPOINT`);
}

/** `size` bytes as 64 KiB views over one random MiB, yielded lazily. */
async function* generatedBody(size) {
  const block = randomBytes(units.MiB);
  const chunk = 64 * units.KiB;
  for (let offset = 0; offset < size; offset += chunk) {
    const start = offset % block.byteLength;
    yield block.subarray(start, start + Math.min(chunk, size - offset));
  }
}

async function child(size) {
  const { S3Client, CreateBucketCommand, DeleteObjectCommand } = await import('@aws-sdk/client-s3');
  const { createS3Storage } = await import('@gitmirror/dumb-storage/s3');
  const server = serverFromEnvironment();
  const client = new S3Client({
    endpoint: server.endpoint,
    region: server.region,
    credentials: server.credentials,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await client.send(new CreateBucketCommand({ Bucket: values.bucket })).catch((error) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });
  const storage = createS3Storage(`s3://${values.bucket}/bench`, {
    getS3Client: () => client,
    partSize: values['part-size'] ? parseSize(values['part-size']) : undefined,
    queueSize: values['queue-size'] ? Number(values['queue-size']) : undefined,
  });
  const key = `objects/pack/pack-${randomUUID()}.pack`;
  const started = process.hrtime.bigint();
  if (size > 0) await storage.put(key, generatedBody(size));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peakRss = process.resourceUsage().maxRSS * 1024;
  if (size > 0) {
    const { size: stored } = await storage.head(key);
    if (stored !== size) throw new Error(`stored ${stored} bytes, expected ${size}`);
    await client.send(new DeleteObjectCommand({ Bucket: values.bucket, Key: `bench/${key}` }));
  }
  process.stdout.write(`${JSON.stringify({ server: server.name, size, seconds, peakRss })}\n`);
}

function parent() {
  const sizes = values.sizes.split(',').map(parseSize);
  const bucket = `storage-bench-${randomUUID().slice(0, 8)}`;
  const forwarded = ['--bucket', bucket];
  for (const name of ['server', 'part-size', 'queue-size']) if (values[name]) forwarded.push(`--${name}`, values[name]);
  const run = (size) =>
    JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(size), ...forwarded], { encoding: 'utf8' }));
  run(64 * units.MiB);
  const results = sizes.map(run);
  const baseline = results.find((result) => result.size === 0);
  console.log(`storage put to ${results[0].server} (part size ${values['part-size'] ?? '5MiB'}, queue size ${values['queue-size'] ?? 2})`);
  console.log('size MiB | seconds | MiB/s  | peak RSS MiB | RSS over baseline MiB');
  for (const { size, seconds, peakRss } of results) {
    const throughput = size > 0 ? mib(size / seconds) : '-';
    const over = baseline ? mib(peakRss - baseline.peakRss) : '-';
    console.log(`${mib(size).padStart(8)} | ${seconds.toFixed(2).padStart(7)} | ${String(throughput).padStart(6)} | ${mib(peakRss).padStart(12)} | ${over}`);
  }
  const puts = results.filter((result) => result.size > 0);
  if (puts.length >= 2) {
    const [small, large] = [puts[0], puts.at(-1)];
    console.log(
      `object size x${(large.size / small.size).toFixed(1)} -> peak RSS x${(large.peakRss / small.peakRss).toFixed(2)}` +
        ` (independent of size when close to x1.00)`,
    );
  }
}

if (values.child !== undefined) await child(Number(values.child));
else parent();
