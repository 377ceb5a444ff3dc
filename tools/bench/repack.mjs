#!/usr/bin/env node
// Compaction of a dumb mirror against git's own: the generated benchmark repository (generate-repo.mjs, ~150k
// objects) split into --packs packs (default 50) along its main line (each pack `git pack-objects --revs` of one
// stretch of history, the last with every other ref), stored as a folder that is a dumb mirror and a bare repository.
// Each run copies it twice: ours is the built CLI's `repack --all` on one copy, git's is `git repack -a -d` on the
// other (both reuse the stored deltas; git also writes a reachability bitmap, as it does in a bare repository, so a
// third side runs it with repack.writeBitmaps=false). With --s3, ours also repacks the same mirror uploaded to a
// bucket of the S3 test server (--server, default radosgw), every request through a proxy adding --latency ms
// (default 30); that mirror must then clone over dumb HTTP with the repository's refs. The sides alternate for --runs
// runs. It prints, per side, the median wall
// time, its ratio to git, and the peak RSS (GNU time); ours must leave one listed pack whose objects are git's and
// whose idx `git index-pack --strict` writes the same.
//
// usage: node tools/bench/repack.mjs [--runs 3] [--packs 50] [--s3 [--server radosgw|moto] [--latency 30]] [--cache DIR]
//          [--commits N --files N --assets-mib N --seed N]
// needs: built packages (npm run build), GNU time at /usr/bin/time; with --s3 the server's environment
//        (. /tmp/gitmirror-servers/radosgw/env)
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTestBucket, s3TestServers, startLatencyProxy } from '@gitmirror/test-servers';
import { deleteBucket, uploadFolder } from './bench-buckets.mjs';
import { benchCache, cachedBuild, git } from './fixture-kit.mjs';
import { benchRepoFromArgs, GENERATOR_ARGS } from './generate-repo.mjs';
import { measure, median, run as runProcess, s3Env } from './measure-process.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    packs: { type: 'string', default: '50' },
    s3: { type: 'boolean', default: false },
    server: { type: 'string', default: 'radosgw' },
    latency: { type: 'string', default: '30' },
    ...GENERATOR_ARGS,
  },
});
const runs = Number(values.runs);
const packCount = Number(values.packs);
if (!(runs >= 1) || !(packCount >= 2)) throw new Error('--runs must be at least 1 and --packs at least 2');
const cli = fileURLToPath(new URL('../../packages/mirror-cli/dist/bin.js', import.meta.url));
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time (GNU time) is needed for peak RSS: apt-get install time');

const cache = benchCache(values.cache);
const repo = await benchRepoFromArgs(values);
const split = await cachedBuild(join(cache, `${repo.path.split('/').at(-1).replace(/\.git$/, '')}-split${packCount}.git`), async (building) => {
  const line = git(['-C', repo.path, 'rev-list', '--first-parent', '--reverse', 'main']).trim().split('\n');
  const cuts = Array.from({ length: packCount - 1 }, (_, k) => line[Math.floor(((k + 1) * line.length) / packCount) - 1]);
  const prefix = join(building, 'objects', 'pack', 'pack');
  for (let k = 0; k < packCount; k++) {
    const input = [k < packCount - 1 ? cuts[k] : '', k > 0 ? `^${cuts[k - 1]}` : ''].filter(Boolean).join('\n') + '\n';
    const args = ['-C', repo.path, 'pack-objects', '--revs', '--delta-base-offset', '--quiet', ...(k === packCount - 1 ? ['--all'] : []), prefix];
    git(args, { input });
  }
  cpSync(join(repo.path, 'packed-refs'), join(building, 'packed-refs'));
  cpSync(join(repo.path, 'HEAD'), join(building, 'HEAD'));
  git(['-C', building, 'update-server-info']);
  const packs = readdirSync(join(building, 'objects', 'pack')).filter((name) => name.endsWith('.pack'));
  const objects = Number(/in-pack: (\d+)/.exec(git(['-C', building, 'count-objects', '-v']))[1]);
  const packBytes = packs.reduce((sum, name) => sum + statSync(join(building, 'objects', 'pack', name)).size, 0);
  return { output: building, stats: { packs: packs.length, objects, packBytes } };
});
console.log(`repository: ${repo.path} (${repo.stats.objects} objects, ${(repo.stats.packBytes / 2 ** 20).toFixed(1)} MiB in one pack)`);
console.log(`split mirror: ${split.path} (${split.stats.packs} packs, ${(split.stats.packBytes / 2 ** 20).toFixed(1)} MiB, ${split.stats.objects} objects with the duplicates between them)`);

const work = mkdtempSync(join(tmpdir(), 'gitmirror-repack-bench-'));
const timeFile = join(work, 'time');
const env = { ...process.env, NODE_NO_WARNINGS: '1' };
const server = values.s3 ? s3TestServers().find((slot) => slot.name === values.server)?.server : undefined;
if (values.s3 && !server) throw new Error(`${values.server} is not running: bash tools/servers/${values.server}.sh start, then . /tmp/gitmirror-servers/${values.server}/env`);
const proxy = server && (await startLatencyProxy({ target: server.endpoint, delayMs: Number(values.latency) }));
const expectedRefs = git(['-C', repo.path, 'for-each-ref', '--format=%(objectname) %(refname)']);
const sides = {
  ours: (copy) => ['node', cli, 'repack', copy, '--all', '--quiet'],
  ...(server ? { 'ours-s3': (bucket) => ['node', cli, 'repack', `s3://${bucket}/mirror`, '--all', '--quiet', '--s3-endpoint-url', proxy.url, '--s3-force-path-style'] } : {}),
  git: (copy) => ['git', '-C', copy, 'repack', '-a', '-d', '-q'],
  'git-no-bitmap': (copy) => ['git', '-C', copy, '-c', 'repack.writeBitmaps=false', 'repack', '-a', '-d', '-q'],
};
const names = Object.keys(sides);
const results = Object.fromEntries(names.map((side) => [side, []]));
try {
  for (let run = 0; run < runs; run++) {
    for (const side of run % 2 === 0 ? names : [...names].reverse()) {
      if (side === 'ours-s3') {
        await benchS3(run);
        continue;
      }
      const copy = join(work, `${side}-${run}.git`);
      cpSync(split.path, copy, { recursive: true });
      const measured = await measure(sides[side](copy), env, timeFile);
      results[side].push({ ...measured, packBytes: listedPackBytes(copy) });
      console.log(`run ${run + 1} ${side}: ${measured.seconds.toFixed(2)} s, peak ${(measured.rssKiB / 1024).toFixed(1)} MiB`);
      if (side === 'ours') checkOurs(copy);
      rmSync(copy, { recursive: true, force: true });
    }
  }
} finally {
  await proxy?.close();
  rmSync(work, { recursive: true, force: true });
}
const seconds = (side) => median(results[side].map((result) => result.seconds));
const peak = (side) => Math.max(...results[side].map((result) => result.rssKiB)) / 1024;
console.log(`\n| side | median wall | ratio to git | peak RSS | pack written |\n|---|---|---|---|---|`);
if (server) console.log(`ours-s3: ${server.name} through a ${values.latency} ms latency proxy; S3 requests of the last run: ${JSON.stringify(results['ours-s3'].at(-1).s3)}`);
const labels = { ours: 'ours `repack --all`', 'ours-s3': `ours \`repack --all\` on ${server?.name}, ${values.latency} ms`, git: '`git repack -a -d`', 'git-no-bitmap': '`git -c repack.writeBitmaps=false repack -a -d`' };
for (const side of names) {
  console.log(`| ${labels[side]} | ${seconds(side).toFixed(2)} s | ${(seconds(side) / seconds('git')).toFixed(2)}× | ${peak(side).toFixed(1)} MiB | ${((results[side][0].packBytes ?? results.ours[0].packBytes) / 2 ** 20).toFixed(1)} MiB |`);
}

/** Bytes of the packs `objects/info/packs` lists: what the repack wrote. */
function listedPackBytes(copy) {
  const listed = readFileSync(join(copy, 'objects', 'info', 'packs'), 'utf8').split('\n').filter(Boolean);
  return listed.reduce((sum, line) => sum + statSync(join(copy, 'objects', 'pack', line.slice(2))).size, 0);
}

/** One listed pack holding every object of the repository, whose idx is the one git index-pack --strict writes. */
function checkOurs(copy) {
  const listed = readFileSync(join(copy, 'objects', 'info', 'packs'), 'utf8').split('\n').filter(Boolean);
  if (listed.length !== 1) throw new Error(`ours left ${listed.length} packs listed`);
  const pack = join(copy, 'objects', 'pack', listed[0].slice(2));
  const check = join(copy, 'check.idx');
  git(['index-pack', '--strict', '-o', check, pack]);
  if (!readFileSync(check).equals(readFileSync(pack.replace(/\.pack$/, '.idx')))) throw new Error('our idx differs from git index-pack --strict of our pack');
  const objects = git(['show-index'], { input: readFileSync(check) }).trim().split('\n').length;
  if (objects !== repo.stats.objects) throw new Error(`our pack holds ${objects} objects, the repository ${repo.stats.objects}`);
}

/** Ours on the split mirror uploaded to a fresh bucket, through the latency proxy; the result must clone. */
async function benchS3(run) {
  const bucket = await createTestBucket(server, { publicRead: true });
  try {
    await uploadFolder(server, bucket, 'mirror', split.path);
    proxy.reset();
    const measured = await measure(sides['ours-s3'](bucket), s3Env(server), timeFile);
    // The same sources give the same pack as ours on the folder: its size is that one's.
    results['ours-s3'].push({ ...measured, s3: proxy.counts(), packBytes: undefined });
    console.log(`run ${run + 1} ours-s3: ${measured.seconds.toFixed(2)} s, peak ${(measured.rssKiB / 1024).toFixed(1)} MiB, ${proxy.counts().requests} S3 requests`);
    const clone = join(work, 'clone.git');
    await runProcess('git', ['clone', '--quiet', '--mirror', `${server.endpoint}/${bucket}/mirror`, clone], { env: { ...process.env, GIT_SMART_HTTP: '0' } });
    const refs = git(['-C', clone, 'for-each-ref', '--format=%(objectname) %(refname)']);
    rmSync(clone, { recursive: true, force: true });
    if (refs !== expectedRefs) throw new Error('the repacked S3 mirror does not clone with the repository refs');
  } finally {
    await deleteBucket(server, bucket);
  }
}
