#!/usr/bin/env node
// Times `git index-pack` against our `git-pack-index` on the same pack, in turn, several runs each, both with default
// flags (extra options go to ours), each under GNU time (`/usr/bin/time -v`). Prints per run the wall time and peak
// RSS of both, then the median wall-time ratio (ours / git), both peak RSS figures (the largest over the runs) with
// their ratio and their difference in MiB (ours - git: issue #10's target is at most git + 32 MiB). The two .idx files
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
    const line = (result) => `${result.seconds.toFixed(3)} s, ${(result.rssKiB / 1024).toFixed(1)} MiB`;
    console.log(`run ${run + 1}: git ${line(results.git[run])}; ours ${line(results.ours[run])}`);
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, list]) => [name, { seconds: median(list.map((r) => r.seconds)), rssMiB: Math.max(...list.map((r) => r.rssKiB)) / 1024 }]),
  );
  const { git, ours } = summary;
  const over = ours.rssMiB - git.rssMiB;
  console.log(`pack: ${pack} (${(statSync(pack).size / 2 ** 20).toFixed(1)} MiB, ${objectCount(pack)} objects), ${runs} runs, identical .idx every run`);
  console.log(`commands: ${commands.git.join(' ')}; ${commands.ours.join(' ')}`);
  console.log(`median wall time: git ${git.seconds.toFixed(3)} s, ours ${ours.seconds.toFixed(3)} s, ratio ours/git ${(ours.seconds / git.seconds).toFixed(2)}`);
  console.log(`peak RSS: git ${git.rssMiB.toFixed(1)} MiB, ours ${ours.rssMiB.toFixed(1)} MiB, ratio ours/git ${(ours.rssMiB / git.rssMiB).toFixed(2)}, ours - git ${over >= 0 ? '+' : ''}${over.toFixed(1)} MiB (target: at most +32 MiB, ${over <= 32 ? 'met' : 'missed'})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Runs `command` under `/usr/bin/time -v`; returns its wall time and peak RSS (GNU time's "Maximum resident set size"). */
function measure(command) {
  const timeFile = join(work, 'time.txt');
  const started = performance.now();
  const child = spawnSync('/usr/bin/time', ['-v', '-o', timeFile, ...command], { stdio: ['ignore', 'ignore', 'inherit'] });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`${command.join(' ')} exited with ${child.status ?? child.signal}`);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeFile, 'utf8'));
  if (!rss) throw new Error(`no peak RSS in the output of /usr/bin/time -v: ${readFileSync(timeFile, 'utf8')}`);
  return { seconds, rssKiB: Number(rss[1]) };
}

/** The object count in the pack header. */
function objectCount(pack) {
  const fd = openSync(pack, 'r');
  const header = Buffer.alloc(12);
  readSync(fd, header, 0, 12, 0);
  closeSync(fd);
  return header.readUInt32BE(8);
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
