#!/usr/bin/env node
// Times `git index-pack` against our `git-pack-index` on the same pack, in turn, several runs each,
// and prints the median wall-time ratio (ours / git) and both peak RSS figures with their ratio. The two .idx files
// must be identical on every run. A git bundle is accepted too: its pack is extracted first.
//
// usage: node tools/bench/index-pack.mjs <pack-or-bundle> [runs=5] [git-pack-index options...]
// needs: a built @gitmirror/git-pack-stream (npm run build -w @gitmirror/git-pack-stream), GNU time at /usr/bin/time
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [input, runsText = '5', ...ourOptions] = process.argv.slice(2);
if (!input) {
  console.error('usage: index-pack.mjs <pack-or-bundle> [runs=5] [git-pack-index options...]');
  process.exit(2);
}
const runs = Number(runsText);
const bin = fileURLToPath(new URL('../../packages/git-pack-stream/dist/bin.js', import.meta.url));
if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build -w @gitmirror/git-pack-stream`);
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time (GNU time) is needed for peak RSS: apt-get install time');

const work = mkdtempSync(join(tmpdir(), 'bench-index-pack-'));
try {
  const pack = packPath(input);
  const results = { git: [], ours: [] };
  const commands = {
    git: ['git', 'index-pack', '-o', join(work, 'git.idx'), pack],
    ours: [process.execPath, bin, pack, '-o', join(work, 'ours.idx'), ...ourOptions],
  };
  for (let run = 0; run < runs; run++) {
    for (const name of ['git', 'ours']) results[name].push(measure(commands[name]));
    if (!readFileSync(join(work, 'git.idx')).equals(readFileSync(join(work, 'ours.idx')))) throw new Error(`run ${run + 1}: the .idx files differ`);
    console.log(`run ${run + 1}: git ${results.git[run].seconds.toFixed(3)} s, ours ${results.ours[run].seconds.toFixed(3)} s`);
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, list]) => [name, { seconds: median(list.map((r) => r.seconds)), rssMiB: Math.max(...list.map((r) => r.rssKiB)) / 1024 }]),
  );
  console.log(`pack: ${pack} (${(statSync(pack).size / 2 ** 20).toFixed(1)} MiB), ${runs} runs, identical .idx every run`);
  console.log(`median wall time: git ${summary.git.seconds.toFixed(3)} s, ours ${summary.ours.seconds.toFixed(3)} s, ratio ours/git ${(summary.ours.seconds / summary.git.seconds).toFixed(2)}`);
  console.log(`peak RSS: git ${summary.git.rssMiB.toFixed(1)} MiB, ours ${summary.ours.rssMiB.toFixed(1)} MiB, ratio ours/git ${(summary.ours.rssMiB / summary.git.rssMiB).toFixed(2)}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Runs `command` under GNU time; returns its wall time and peak RSS. */
function measure(command) {
  const timeFile = join(work, 'time.txt');
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...command], { stdio: ['ignore', 'ignore', 'inherit'] });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`${command.join(' ')} exited with ${child.status}`);
  return { seconds, rssKiB: Number(readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)) };
}

/** The pack to index: `input` itself, or the pack inside a bundle, copied to the work directory. */
function packPath(input) {
  const fd = openSync(input, 'r');
  const head = Buffer.alloc(64 * 1024);
  const length = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  if (head.subarray(0, 4).toString('latin1') === 'PACK') return input;
  if (!/^# v[23] git bundle/.test(head.subarray(0, length).toString('latin1'))) {
    throw new Error(`${input} is neither a pack nor a git bundle`);
  }
  const bundle = readFileSync(input);
  const path = join(work, 'bundle.pack');
  writeFileSync(path, bundle.subarray(bundle.indexOf('\n\n') + 2));
  return path;
}
