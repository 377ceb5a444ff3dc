// What the benchmark generators (generate-repo.mjs, index-pack-fixture.mjs) share: the cache folder, a seeded PRNG,
// building a fixture once into the cache, and feeding one `git fast-import`.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The cache folder: `cache`, else $GITMIRROR_BENCH_CACHE, else /tmp/gitmirror-bench. */
export function benchCache(cache) {
  return resolve(cache ?? process.env.GITMIRROR_BENCH_CACHE ?? '/tmp/gitmirror-bench');
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Runs git and returns its standard output. */
export function git(args, options = {}) {
  return execFileSync('git', args, { encoding: 'utf8', maxBuffer: 1 << 30, ...options });
}

/** The one pack of `repo`. */
export function onlyPack(repo) {
  const packDir = join(repo, 'objects', 'pack');
  const packs = readdirSync(packDir).filter((file) => file.endsWith('.pack'));
  if (packs.length !== 1) throw new Error(`expected one pack in ${packDir}, found ${packs.length}`);
  return join(packDir, packs[0]);
}

/**
 * The fixture at `path` with its stats (`<path>.stats.json`), built on first use: `build(repo)` fills a new bare
 * repository (`repo`, next to `path`, removed afterwards) and returns `{ output, stats }`, where `output` is what
 * becomes `path` (the repository itself or a file in it). Returns `{ path, stats, reused }`; stats gain
 * `generatedSeconds`.
 */
export async function cachedBuild(path, build) {
  const statsFile = `${path}.stats.json`;
  if (existsSync(statsFile) && existsSync(path)) return { path, stats: JSON.parse(readFileSync(statsFile, 'utf8')), reused: true };
  mkdirSync(dirname(path), { recursive: true });
  const building = `${path}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const started = performance.now();
  try {
    git(['init', '--quiet', '--bare', '--initial-branch=main', building]);
    const { output, stats: built } = await build(building);
    const stats = { ...built, generatedSeconds: Math.round((performance.now() - started) / 1000) };
    rmSync(path, { recursive: true, force: true });
    renameSync(output, path);
    writeFileSync(statsFile, `${JSON.stringify(stats)}\n`);
    return { path, stats, reused: false };
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
}

/**
 * Starts one `git fast-import` in `repo`: `write(part)` (a string or Buffer) sends parts in batches of about 1 MiB,
 * waiting while its input is full; `end()` finishes the stream. Either throws if fast-import exited with an error.
 */
export function startFastImport(repo) {
  const importer = spawn('git', ['fast-import', '--quiet', '--depth=50', '--done'], { cwd: repo, stdio: ['pipe', 'inherit', 'inherit'] });
  const exited = once(importer, 'exit');
  importer.stdin.on('error', () => {}); // a fast-import that exits early is reported by its exit code
  const failed = () => new Error(`git fast-import exited with ${importer.exitCode}`);
  let pending = [];
  let pendingBytes = 0;
  const flush = () => {
    const chunk = Buffer.concat(pending.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
    pending = [];
    pendingBytes = 0;
    return chunk;
  };
  return {
    async write(part) {
      pending.push(part);
      pendingBytes += part.length;
      if (pendingBytes < 1 << 20) return;
      if (!importer.stdin.write(flush())) await Promise.race([once(importer.stdin, 'drain'), exited]);
      if (importer.exitCode !== null) throw failed();
    },
    async end() {
      pending.push('done\n');
      importer.stdin.end(flush());
      await exited;
      if (importer.exitCode !== 0) throw failed();
    },
  };
}
