#!/usr/bin/env node
// Generates, once, a large pack for tools/bench/index-pack.mjs, from a seeded PRNG with fixed dates through one
// `git fast-import`, then `git repack -adf`. Two shapes:
//
// - repo (default): shaped like a real repository's pack, where the per-object tables dominate an indexer's memory:
//   a deep directory tree of tens of thousands of small-to-medium text files, tens of thousands of commits each
//   editing a few lines of one to four files (popular files far more often, mostly side by side in one directory, so
//   every commit rewrites the trees on their paths: trees outnumber blobs), an annotated tag every 1000 commits, and
//   binary files of 0.1–5 MB edited in a few small places now and then (so they deltify). 911,505 objects and
//   532 MiB with the defaults; `git repack -adf --depth=50 --window=10`.
// - blobs: the older fixture: incompressible blobs (--random-mib) plus the history of --text-files text files edited
//   a little in each of --commits commits; `git repack -adf --depth=50 --window=10` too.
//
// The pack is kept in --cache DIR ($GITMIRROR_BENCH_CACHE, default /tmp/gitmirror-bench), named by the shape and the
// options, with its statistics beside it (.stats.json); later runs reuse it. `git repack` runs two threads, so the
// pack's bytes may differ from run to run; its objects do not.
//
// usage: node tools/bench/index-pack-fixture.mjs [--shape repo|blobs] [--cache DIR] [--seed 1]
//          repo:  [--commits 80000] [--files 50000] [--binary-mib 250]
//          blobs: [--random-mib 300] [--text-files 1500] [--commits 80]
// prints: the pack's path, its object count by type, its size and its longest delta chain (from git verify-pack -v)
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { benchCache, cachedBuild, git, onlyPack, prng, startFastImport } from './fixture-kit.mjs';

/** Defaults per shape of {@link indexPackFixture}. */
export const DEFAULT_FIXTURE_OPTIONS = {
  repo: { seed: 1, commits: 80000, files: 50000, binaryMiB: 250 },
  blobs: { seed: 1, randomMiB: 300, textFiles: 1500, commits: 80 },
};

/**
 * The fixture pack of `shape` for `options` (see DEFAULT_FIXTURE_OPTIONS), built on first use: `{ path, stats, reused }`
 * where stats is `{ objects, types, packBytes, maxDeltaDepth, deltas, generatedSeconds, repackSeconds }`.
 */
export async function indexPackFixture(shape = 'repo', options = {}, cache = benchCache()) {
  const defaults = DEFAULT_FIXTURE_OPTIONS[shape];
  if (!defaults) throw new Error(`unknown shape ${shape}: repo or blobs`);
  const settings = { ...defaults, ...options };
  // v1 names this generator's objects: bump it when a change to the generator changes the objects it writes.
  const key = Object.entries(settings).map(([name, value]) => `${name[0]}${value}`).join('-');
  return cachedBuild(join(cache, `index-pack-${shape}-v1-${key}.pack`), async (building) => {
    await fastImport(building, (shape === 'repo' ? repoHistory : blobsHistory)(settings));
    const repackStarted = performance.now();
    git(['-C', building, '-c', 'pack.threads=2', 'repack', '-adf', '--quiet', '--depth=50', '--window=10']);
    const repackSeconds = Math.round((performance.now() - repackStarted) / 1000);
    const pack = onlyPack(building);
    return { output: pack, stats: { ...packStats(pack), repackSeconds } };
  });
}

/** Object counts by type, the delta count and the longest delta chain, from `git verify-pack -v`. */
function packStats(pack) {
  const types = { commit: 0, tree: 0, blob: 0, tag: 0 };
  let deltas = 0;
  let maxDeltaDepth = 0;
  for (const line of git(['verify-pack', '-v', pack.replace(/\.pack$/, '.idx')]).split('\n')) {
    const fields = line.split(' ').filter(Boolean);
    if (/^[0-9a-f]{40}$/.test(fields[0] ?? '') && fields[1] in types) {
      types[fields[1]] += 1;
      if (fields.length >= 7) {
        deltas += 1;
        maxDeltaDepth = Math.max(maxDeltaDepth, Number(fields[5]));
      }
    }
  }
  const objects = Object.values(types).reduce((sum, count) => sum + count, 0);
  return { objects, types, packBytes: statSync(pack).size, deltas, maxDeltaDepth };
}

/** `length` incompressible bytes from `random` (xorshift32 seeded from it: a byte-per-call PRNG is too slow here). */
function randomBytes(random, length) {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = (random() * 2 ** 32) >>> 0 || 1;
  for (let index = 0; index < words.length; index++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[index] = x;
  }
  return Buffer.from(words.buffer, 0, length);
}

/** Text helpers over `random`: code-like lines of words from a made-up vocabulary, and small edits of a line list. */
function textKit(random) {
  const pick = (list) => list[Math.floor(random() * list.length)];
  const syllables = 'ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu'.split(' ');
  const vocabulary = Array.from({ length: 3000 }, () => Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(syllables)).join(''));
  const line = () => {
    const words = Array.from({ length: 3 + Math.floor(random() * 9) }, () => pick(vocabulary));
    if (random() < 0.3) words.push(Math.floor(random() * 2 ** 32).toString(16));
    return `${'  '.repeat(Math.floor(random() * 4))}${words.join(' ')}`;
  };
  const edit = (lines) => {
    for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
      const at = Math.floor(random() * lines.length);
      const kind = random();
      if (kind < 0.5) lines[at] = line();
      else if (kind < 0.8 || lines.length < 10) lines.splice(at, 0, line());
      else lines.splice(at, 1);
    }
  };
  return { pick, vocabulary, line, edit };
}

const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
const textChange = (path, lines) => `M 100644 inline ${path}\n${data(`${lines.join('\n')}\n`)}`;
const binaryChange = (path, bytes) => [`M 100644 inline ${path}\ndata ${bytes.length}\n`, bytes, '\n'];

/**
 * The repo shape's fast-import stream, as an async generator of chunks: a directory tree of up to 7 levels
 * (parents drawn towards the shallow end), `files` text files of 8–640 lines spread over it, `binaryMiB` of binary
 * files of 0.1–5 MB, then `commits` commits on main.
 */
function* repoHistory({ seed, commits, files: fileCount, binaryMiB }) {
  const random = prng(seed);
  const { pick, vocabulary, line, edit } = textKit(random);
  const directories = [{ path: '', depth: 0, files: [] }];
  for (let index = 1; index < Math.max(2, Math.round(fileCount / 10)); index++) {
    let parent;
    do parent = directories[Math.floor(directories.length * random() ** 2)];
    while (parent.depth >= 7);
    directories.push({ path: `${parent.path}${pick(vocabulary)}${index}/`, depth: parent.depth + 1, files: [] });
  }
  const extensions = ['c', 'h', 'ts', 'js', 'md', 'json', 'py', 'go', 'rs', 'txt'];
  const files = [];
  const addFile = () => {
    const directory = directories[Math.floor(random() * directories.length)];
    const file = { path: `${directory.path}${pick(vocabulary)}${files.length}.${pick(extensions)}`, directory, lines: [] };
    file.lines = Array.from({ length: Math.floor(8 * 80 ** random()) }, line);
    directory.files.push(file);
    files.push(file);
    return file;
  };
  for (let index = 0; index < fileCount; index++) addFile();
  // Popular files (low indexes) are edited far more often, as in real projects: their delta chains get deep.
  const popularFile = () => files[Math.floor(files.length * random() ** 3)];

  const binaries = [];
  for (let bytes = 0; bytes < binaryMiB * 2 ** 20; ) {
    const size = Math.floor(0.1 * 2 ** 20 * 50 ** random());
    const directory = directories[Math.floor(random() * directories.length)];
    binaries.push({ path: `${directory.path}${pick(vocabulary)}-asset${binaries.length}.${pick(['png', 'pdf', 'bin', 'woff2'])}`, size, bytes: null });
    bytes += size;
  }
  // Each binary appears at a random commit and is then edited about four times in its life.
  const binaryAt = new Map();
  const schedule = (commit, binary) => binaryAt.set(commit, [...(binaryAt.get(commit) ?? []), binary]);
  for (const binary of binaries) {
    const born = Math.floor(random() * commits * 0.8);
    schedule(born, binary);
    for (let edits = Math.floor(random() * 9); edits > 0; edits--) schedule(born + 1 + Math.floor(random() * (commits - born - 1)), binary);
  }
  const editBinary = (binary) => {
    if (binary.bytes === null) {
      binary.bytes = randomBytes(random, binary.size);
      return;
    }
    const bytes = Buffer.from(binary.bytes);
    for (let patches = 1 + Math.floor(random() * 6); patches > 0; patches--) {
      const length = Math.min(bytes.length, 64 + Math.floor(random() * 4096));
      randomBytes(random, length).copy(bytes, Math.floor(random() * (bytes.length - length)));
    }
    binary.bytes = random() < 0.3 ? Buffer.concat([bytes, randomBytes(random, 256 + Math.floor(random() * 8192))]) : bytes;
  };

  const people = Array.from({ length: 200 }, (_, index) => `${pick(vocabulary)} ${pick(vocabulary)} <dev${index}@example.com>`);
  let time = 1_400_000_000;
  const person = () => `${pick(people)} ${(time += 30 + Math.floor(random() * 1800))} +0000`;
  const subject = () => `${pick(['fix', 'add', 'update', 'refactor', 'document', 'test'])} ${pick(vocabulary)} ${pick(vocabulary)}\n\n${line()}\n${random() < 0.5 ? `${line()}\n` : ''}`;
  let mark = 0;
  function* commit(message, changes) {
    const who = person();
    yield `commit refs/heads/main\nmark :${++mark}\nauthor ${who}\ncommitter ${who}\n${data(message)}`;
    yield* changes;
    yield '\n';
  }

  yield* commit('initial import\n', files.map((file) => textChange(file.path, file.lines)));
  for (let index = 1; index < commits; index++) {
    const changed = new Set([popularFile()]);
    // Further files mostly sit in the first one's directory, as a real change set does.
    for (let more = Math.floor(random() * 4); more > 0; more--) {
      const near = [...changed][0].directory.files;
      changed.add(random() < 0.7 ? near[Math.floor(random() * near.length)] : popularFile());
    }
    for (const file of changed) edit(file.lines);
    if (random() < 0.02) changed.add(addFile());
    const changes = [...changed].map((file) => textChange(file.path, file.lines));
    for (const binary of binaryAt.get(index) ?? []) {
      editBinary(binary);
      changes.push(...binaryChange(binary.path, binary.bytes));
    }
    yield* commit(subject(), changes);
    if (index % 1000 === 0) yield `tag v${index / 1000}.0\nfrom :${mark}\ntagger ${person()}\n${data(`release ${index / 1000}.0\n`)}`;
  }
}

/** The blobs shape's fast-import stream: the older fixture, now from the seeded PRNG. */
function* blobsHistory({ seed, randomMiB, textFiles, commits }) {
  const random = prng(seed);
  const { line, edit } = textKit(random);
  const files = Array.from({ length: textFiles }, () => Array.from({ length: 40 + Math.floor(random() * 160) }, line));
  const randomBlobs = Math.round((randomMiB * 1024) / 100);
  for (let c = 0; c < commits; c++) {
    yield `commit refs/heads/main\ncommitter Bench <bench@example.com> ${1_700_000_000 + c * 60} +0000\n${data(`commit ${c}\n`)}`;
    for (const [f, lines] of files.entries()) {
      if (c > 0 && random() < 0.3) continue;
      edit(lines);
      yield textChange(`src/${f % 37}/file${f}.txt`, lines);
    }
    for (let b = Math.floor((randomBlobs * c) / commits); b < Math.floor((randomBlobs * (c + 1)) / commits); b++) {
      yield* binaryChange(`assets/${b % 53}/blob${b}.bin`, randomBytes(random, 50 * 1024 + Math.floor(random() * 100 * 1024)));
    }
    yield '\n';
  }
}

/** Feeds `history` (strings and Buffers) to one `git fast-import` in `repo`. */
async function fastImport(repo, history) {
  const importer = startFastImport(repo);
  for (const part of history) await importer.write(part);
  await importer.end();
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: {
      shape: { type: 'string', default: 'repo' },
      cache: { type: 'string' },
      seed: { type: 'string' },
      commits: { type: 'string' },
      files: { type: 'string' },
      'binary-mib': { type: 'string' },
      'random-mib': { type: 'string' },
      'text-files': { type: 'string' },
    },
  });
  const flags = { repo: { seed: 'seed', commits: 'commits', files: 'files', 'binary-mib': 'binaryMiB' }, blobs: { seed: 'seed', 'random-mib': 'randomMiB', 'text-files': 'textFiles', commits: 'commits' } }[values.shape];
  const fail = (message) => {
    console.error(`${message}\nusage: index-pack-fixture.mjs [--shape repo|blobs] [--cache DIR] [--seed N] (repo: --commits --files --binary-mib; blobs: --random-mib --text-files --commits)`);
    process.exit(2);
  };
  if (!flags) fail(`--shape ${values.shape}: repo or blobs`);
  const options = {};
  for (const [flag, value] of Object.entries(values)) {
    if (flag === 'shape' || flag === 'cache' || value === undefined) continue;
    if (!(flag in flags)) fail(`--${flag} does not apply to --shape ${values.shape}`);
    if (!/^\d+$/.test(value)) fail(`--${flag} expects a whole number: ${value}`);
    options[flags[flag]] = Number(value);
  }
  const { path, stats, reused } = await indexPackFixture(values.shape, options, benchCache(values.cache));
  const { types } = stats;
  console.log(`pack: ${path} (${reused ? 'reused from the cache; it took' : 'generated in'} ${stats.generatedSeconds} s, git repack ${stats.repackSeconds} s)`);
  console.log(`objects: ${stats.objects} (${types.commit} commits, ${types.tree} trees, ${types.blob} blobs, ${types.tag} tags; ${stats.deltas} deltas), pack: ${(stats.packBytes / 2 ** 20).toFixed(1)} MiB (${stats.packBytes} bytes), max delta depth: ${stats.maxDeltaDepth}`);
}
