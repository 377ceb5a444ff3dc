#!/usr/bin/env node
// Compaction of a dumb mirror against git's own: the generated benchmark repository (generate-repo.mjs, ~150k
// objects) split into --packs packs (default 50) along its main line (each pack `git pack-objects --revs` of one
// stretch of history, the last with every other ref), stored as a folder that is a dumb mirror and a bare repository.
// Each run copies it twice: ours is the built CLI's `repack --all` on one copy, git's is `git repack -a -d` on the
// other (both reuse the stored deltas; git also writes a reachability bitmap, as it does in a bare repository, so a
// third side runs it with repack.writeBitmaps=false). The sides alternate for --runs runs. It prints, per side, the median wall
// time, its ratio to git, and the peak RSS (GNU time); ours must leave one listed pack whose objects are git's and
// whose idx `git index-pack --strict` writes the same.
//
// usage: node tools/bench/repack.mjs [--runs 3] [--packs 50] [--cache DIR] [--commits N --files N --assets-mib N --seed N]
// needs: built packages (npm run build), GNU time at /usr/bin/time
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchCache, cachedBuild, git } from './fixture-kit.mjs';
import { benchRepo } from './generate-repo.mjs';
import { measure, median } from './measure-process.mjs';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    packs: { type: 'string', default: '50' },
    cache: { type: 'string' },
    commits: { type: 'string' },
    files: { type: 'string' },
    'assets-mib': { type: 'string' },
    seed: { type: 'string' },
  },
});
const runs = Number(values.runs);
const packCount = Number(values.packs);
if (!(runs >= 1) || !(packCount >= 2)) throw new Error('--runs must be at least 1 and --packs at least 2');
const cli = fileURLToPath(new URL('../../packages/mirror-cli/dist/bin.js', import.meta.url));
if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build`);
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time (GNU time) is needed for peak RSS: apt-get install time');

const generatorOptions = {};
for (const [flag, key] of [['commits', 'commits'], ['files', 'files'], ['assets-mib', 'assetsMiB'], ['seed', 'seed']]) {
  if (values[flag] !== undefined) generatorOptions[key] = Number(values[flag]);
}
const cache = benchCache(values.cache);
const repo = await benchRepo(generatorOptions, cache);
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
  return { output: building, stats: { packs: packs.length, objects } };
});
console.log(`repository: ${repo.path} (${repo.stats.objects} objects, ${(repo.stats.packBytes / 2 ** 20).toFixed(1)} MiB in one pack)`);
console.log(`split mirror: ${split.path} (${split.stats.packs} packs, ${split.stats.objects} objects with the duplicates between them)`);

const work = mkdtempSync(join(tmpdir(), 'gitmirror-repack-bench-'));
const timeFile = join(work, 'time');
const env = { ...process.env, NODE_NO_WARNINGS: '1' };
const sides = {
  ours: (copy) => ['node', cli, 'repack', copy, '--all', '--quiet'],
  git: (copy) => ['git', '-C', copy, 'repack', '-a', '-d', '-q'],
  'git-no-bitmap': (copy) => ['git', '-C', copy, '-c', 'repack.writeBitmaps=false', 'repack', '-a', '-d', '-q'],
};
const names = Object.keys(sides);
const results = Object.fromEntries(names.map((side) => [side, []]));
try {
  for (let run = 0; run < runs; run++) {
    for (const side of run % 2 === 0 ? names : [...names].reverse()) {
      const copy = join(work, `${side}-${run}.git`);
      cpSync(split.path, copy, { recursive: true });
      const measured = await measure(sides[side](copy), env, timeFile);
      results[side].push(measured);
      console.log(`run ${run + 1} ${side}: ${measured.seconds.toFixed(2)} s, peak ${(measured.rssKiB / 1024).toFixed(1)} MiB`);
      if (side === 'ours') checkOurs(copy);
      rmSync(copy, { recursive: true, force: true });
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const seconds = (side) => median(results[side].map((result) => result.seconds));
const peak = (side) => Math.max(...results[side].map((result) => result.rssKiB)) / 1024;
console.log(`\n| side | median wall | ratio to git | peak RSS |\n|---|---|---|---|`);
const labels = { ours: 'ours `repack --all`', git: '`git repack -a -d`', 'git-no-bitmap': '`git -c repack.writeBitmaps=false repack -a -d`' };
for (const side of names) {
  console.log(`| ${labels[side]} | ${seconds(side).toFixed(2)} s | ${(seconds(side) / seconds('git')).toFixed(2)}× | ${peak(side).toFixed(1)} MiB |`);
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
