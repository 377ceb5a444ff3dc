#!/usr/bin/env node
// End-to-end mirror of the generated benchmark repository (generate-repo.mjs: ~150k objects, deep delta chains,
// thousands of refs), served by `git http-backend`, into S3 the way the real world sees it: every S3 request goes
// through a loopback proxy adding --latency ms (default 30, as a real endpoint's 20–50 ms). Ours is the built CLI
// (`mirror-git-to-s3 --json`, default flags, and once more with --max-memory 192M); the naive pipeline is
// mirror-naive.mjs (`git clone --mirror` + `git update-server-info` + uploading every file with the same S3 client),
// through the same proxy. Each side writes into a bucket of its own; the sides alternate (A B C, C B A, …) for --runs
// runs. Per side it prints the median wall time, its ratio to naive, S3 requests (total, by method, GETs of pack and idx
// keys: reading back what was written), our `readBack` report, and peak RSS (GNU time, largest
// process of the side's tree). Every mirror must clone over dumb HTTP straight from the bucket with the source's refs.
//
// With --target folder: ours into a local folder (default flags, and once more with --max-memory 160M) against
// `git clone --mirror` + `git update-server-info`, each mirror cloned over dumb HTTP from a static server.
//
// usage: node tools/bench/mirror-s3-latency.mjs [--runs 3] [--latency 30] [--server radosgw|moto] [--target s3|folder]
//          [--cache DIR] [--commits N --files N --assets-mib N --seed N   (generator options, see generate-repo.mjs)]
// needs: built packages and tools (npm run build), GNU time at /usr/bin/time, and for S3 the server's environment:
//        for s in radosgw moto; do . /tmp/gitmirror-servers/$s/env; done
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestBucket, s3TestServers, startGitHttpServer, startLatencyProxy, startStaticServer } from '@gitmirror/test-servers';
import { deleteBucket } from './bench-buckets.mjs';
import { benchRepoFromArgs, GENERATOR_ARGS } from './generate-repo.mjs';
import { measure, median, run, s3Env } from './measure-process.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    latency: { type: 'string', default: '30' },
    server: { type: 'string', default: 'radosgw' },
    target: { type: 'string', default: 's3' },
    ...GENERATOR_ARGS,
  },
});
const runs = Number(values.runs);
const latency = Number(values.latency);
if (!(runs >= 1) || !(latency >= 0)) throw new Error('--runs must be at least 1 and --latency at least 0');
if (!['s3', 'folder'].includes(values.target)) throw new Error(`--target is s3 or folder, not ${values.target}`);

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'packages/mirror-cli/dist/bin.js');
const naive = fileURLToPath(new URL('./mirror-naive.mjs', import.meta.url));
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time (GNU time) is needed for peak RSS: apt-get install time');

const repo = await benchRepoFromArgs(values);
const { stats } = repo;
console.log(`repository: ${repo.path}`);
console.log(`  ${stats.objects} objects, ${(stats.packBytes / 2 ** 20).toFixed(1)} MiB pack, ${stats.refs} refs (${stats.annotatedTags} annotated tags), max delta depth ${stats.maxDeltaDepth}`);

const work = mkdtempSync(join(tmpdir(), 'bench-s3-latency-'));
const timeFile = join(work, 'time.txt');
const gitServer = await startGitHttpServer({ projectRoot: dirname(repo.path) });
const source = `${gitServer.url}/${basename(repo.path)}`;
const expectedRefs = await forEachRef(repo.path);
try {
  if (values.target === 's3') await benchS3();
  else await benchFolder();
} finally {
  await gitServer.close();
  rmSync(work, { recursive: true, force: true });
}

async function benchS3() {
  const server = s3TestServers().find((slot) => slot.name === values.server)?.server;
  if (!server) throw new Error(`${values.server} is not running: bash tools/servers/${values.server}.sh start, then . /tmp/gitmirror-servers/${values.server}/env`);
  // GETs of the mirror's pack files, reading back what was just written: a pack is first uploaded under a temporary
  // key (objects/pack/tmp_pack_…), so every key under objects/pack/ but an .idx counts as pack.
  let packReads = newPackReads();
  const proxy = await startLatencyProxy({
    target: server.endpoint,
    delayMs: latency,
    onRequest: ({ method, url, range }) => {
      const path = new URL(url, 'http://proxy').pathname;
      if (method !== 'GET' || !path.includes('/objects/pack/')) return;
      if (path.endsWith('.idx')) packReads.idx += 1;
      else packReads[range === undefined ? 'packWhole' : 'packRanged'] += 1;
    },
  });
  const env = s3Env(server);
  const ours = (bucket, extra = []) => [process.execPath, cli, '--quiet', '--json', '--source', source, '--target', `s3://${bucket}/mirror`, '--s3-endpoint-url', proxy.url, '--s3-force-path-style', ...extra];
  const sides = {
    ours: (bucket) => ours(bucket),
    'ours --max-memory 192M': (bucket) => ours(bucket, ['--max-memory', '192M']),
    naive: (bucket) => [process.execPath, naive, source, proxy.url, bucket, 'mirror'],
  };
  const results = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  try {
    for (let index = 0; index < runs; index++) {
      const order = index % 2 === 0 ? Object.keys(sides) : Object.keys(sides).reverse();
      for (const name of order) {
        // A bucket of its own: no side sees another's objects.
        const bucket = await createTestBucket(server, { publicRead: true });
        proxy.reset();
        packReads = newPackReads();
        const measured = await measure(sides[name](bucket), env, timeFile);
        const result = { ...measured, s3: proxy.counts(), packReads, readBack: name === 'naive' ? undefined : readBackOf(measured.stdout) };
        results[name].push(result);
        await expectClone(`${server.endpoint}/${bucket}/mirror`, `run ${index + 1}: the ${name} mirror`);
        await deleteBucket(server, bucket);
        console.log(`run ${index + 1} ${name}: ${result.seconds.toFixed(2)} s, S3 requests ${describeRequests(result)}, peak RSS ${(result.rssKiB / 1024).toFixed(1)} MiB`);
      }
    }
  } finally {
    await proxy.close();
  }
  console.log(`source: git http-backend ${source}; target: ${server.name} through a ${latency} ms latency proxy; ${runs} run(s), every mirror cloned over dumb HTTP with the source's refs`);
  console.log('(shared, busy machine: absolute times are noisy)');
  const naiveSeconds = median(results.naive.map((r) => r.seconds));
  for (const [name, list] of Object.entries(results)) {
    const seconds = median(list.map((r) => r.seconds));
    const last = list.at(-1);
    console.log(`${name}:`);
    console.log(`  median wall time ${seconds.toFixed(2)} s${name === 'naive' ? '' : `, ratio ours/naive ${(seconds / naiveSeconds).toFixed(2)}`}`);
    console.log(`  S3 requests (last run): ${describeRequests(last)}; ${(last.s3.bytesUp / 2 ** 20).toFixed(1)} MiB up, ${(last.s3.bytesDown / 2 ** 20).toFixed(1)} MiB down`);
    if (name !== 'naive') console.log(`  readBack (CLI --json): ${JSON.stringify(last.readBack)}`);
    console.log(`  peak RSS ${(Math.max(...list.map((r) => r.rssKiB)) / 1024).toFixed(1)} MiB (largest process of its tree)`);
  }
}

async function benchFolder() {
  const dumb = await startStaticServer({ root: work });
  const ours = (repoPath, extra = []) => [process.execPath, cli, '--quiet', '--json', '--source', source, '--target', repoPath, ...extra];
  const gitName = 'git clone --mirror + update-server-info';
  const sides = {
    ours: (repoPath) => ours(repoPath),
    'ours --max-memory 160M': (repoPath) => ours(repoPath, ['--max-memory', '160M']),
    [gitName]: (repoPath) => ['sh', '-c', 'git clone --quiet --mirror "$1" "$2" && git -C "$2" update-server-info', 'sh', source, repoPath],
  };
  const results = Object.fromEntries(Object.keys(sides).map((name) => [name, []]));
  try {
    for (let index = 0; index < runs; index++) {
      const order = index % 2 === 0 ? Object.keys(sides) : Object.keys(sides).reverse();
      for (const [position, name] of order.entries()) {
        const folder = `mirror-${index}-${position}.git`;
        const measured = await measure(sides[name](join(work, folder)), { ...process.env, NODE_NO_WARNINGS: '1' }, timeFile);
        results[name].push({ ...measured, readBack: name === gitName ? undefined : readBackOf(measured.stdout) });
        await expectClone(`${dumb.url}/${folder}`, `run ${index + 1}: the ${name} mirror`);
        rmSync(join(work, folder), { recursive: true, force: true });
        console.log(`run ${index + 1} ${name}: ${measured.seconds.toFixed(2)} s, peak RSS ${(measured.rssKiB / 1024).toFixed(1)} MiB`);
      }
    }
  } finally {
    await dumb.close();
  }
  console.log(`source: git http-backend ${source}; target: a local folder; ${runs} run(s), every mirror cloned over dumb HTTP with the source's refs`);
  console.log('(shared, busy machine: absolute times are noisy)');
  const gitSeconds = median(results[gitName].map((r) => r.seconds));
  const rss = (name) => (Math.max(...results[name].map((r) => r.rssKiB)) / 1024).toFixed(1);
  for (const name of Object.keys(sides).filter((side) => side !== gitName)) {
    const seconds = median(results[name].map((r) => r.seconds));
    console.log(`${name}: median wall time ${seconds.toFixed(2)} s against ${gitName} ${gitSeconds.toFixed(2)} s, ratio ours/git ${(seconds / gitSeconds).toFixed(2)}`);
    console.log(`  peak RSS ${rss(name)} MiB (git ${rss(gitName)} MiB, largest process of its tree); readBack (CLI --json): ${JSON.stringify(results[name].at(-1).readBack)}`);
  }
}

function newPackReads() {
  return { packRanged: 0, packWhole: 0, idx: 0 };
}

/** `30 (PUT 19, GET 5, …), read-back GETs: pack ranged 3, pack whole 0, .idx 0` for one measured side. */
function describeRequests({ s3, packReads }) {
  const methods = Object.entries(s3.byMethod).map(([method, count]) => `${method} ${count}`).join(', ');
  return `${s3.requests} (${methods}), read-back GETs: pack ranged ${packReads.packRanged}, pack whole ${packReads.packWhole}, .idx ${packReads.idx}`;
}

/** The `readBack` object of the one repository in the CLI's `--json` report. */
function readBackOf(stdout) {
  const report = JSON.parse(stdout);
  if (!report.ok) throw new Error(`the CLI reported a failure: ${JSON.stringify(report.repositories.map((r) => r.error))}`);
  const readBack = report.repositories[0]?.readBack;
  if (!readBack) throw new Error('the CLI reported no readBack for the repository');
  return readBack;
}

/** Clones `url` over dumb HTTP and checks its refs against the source's. */
async function expectClone(url, what) {
  const clone = join(work, 'clone.git');
  try {
    await run('git', ['clone', '--quiet', '--mirror', url, clone], { env: { ...process.env, GIT_SMART_HTTP: '0' } });
    if ((await forEachRef(clone)) !== expectedRefs) throw new Error(`${what}: its refs differ from the source's`);
  } finally {
    rmSync(clone, { recursive: true, force: true });
  }
}

function forEachRef(repoPath) {
  return run('git', ['-C', repoPath, 'for-each-ref', '--format=%(objectname) %(refname)']);
}
