#!/usr/bin/env node
// Generates, once, a bare repository with a real-looking history for the end-to-end benchmarks: a main line of
// thousands of commits editing a few lines of a few files each (popular files far more often, so delta chains get
// deep), topic branches forked off it (some merged back), lightweight and annotated tags, a few binary assets, then
// `git repack -adf` with deep chains and `git pack-refs`. Everything comes from a seeded PRNG and fixed dates, so the
// same options give the same object ids. The repository is cached under --cache DIR ($GITMIRROR_BENCH_CACHE, default
// /tmp/gitmirror-bench), keyed by the options; later runs reuse it.
//
// usage: node tools/bench/generate-repo.mjs [--cache DIR] [--seed 1] [--commits 8000] [--files 3000] [--assets-mib 40]
// prints: the repository's path, object count, pack size, ref count and max delta depth (from git verify-pack -v)
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { benchCache, cachedBuild, git, onlyPack, prng, startFastImport } from './fixture-kit.mjs';

/** The generator's command-line options (`parseArgs` form), shared by the benchmarks that take them. */
export const GENERATOR_ARGS = {
  cache: { type: 'string' },
  seed: { type: 'string' },
  commits: { type: 'string' },
  files: { type: 'string' },
  'assets-mib': { type: 'string' },
};

/** The generated repository the parsed {@link GENERATOR_ARGS} ask for (built on first use, see {@link benchRepo}). */
export function benchRepoFromArgs(values) {
  const options = {};
  for (const [flag, key] of [['seed', 'seed'], ['commits', 'commits'], ['files', 'files'], ['assets-mib', 'assetsMiB']]) {
    if (values[flag] !== undefined) options[key] = Number(values[flag]);
  }
  return benchRepo(options, benchCache(values.cache));
}

/** Defaults of {@link benchRepo}: about 150k objects, 60–100 MB of pack, 3–4 thousand refs. */
export const DEFAULT_REPO_OPTIONS = { seed: 1, commits: 8000, files: 3000, assetsMiB: 40 };

/**
 * The generated repository for `options` (see DEFAULT_REPO_OPTIONS), built on first use: `{ path, stats, reused }` where
 * stats is `{ objects, packBytes, refs, annotatedTags, maxDeltaDepth, generatedSeconds }`; reused tells whether it was cached.
 */
export async function benchRepo(options = {}, cache = benchCache()) {
  const settings = { ...DEFAULT_REPO_OPTIONS, ...options };
  // v1 names this generator's history: bump it when a change to the generator changes the objects it writes.
  const name = `repo-v1-s${settings.seed}-c${settings.commits}-f${settings.files}-a${settings.assetsMiB}.git`;
  return cachedBuild(join(cache, name), async (building) => {
    await fastImport(building, settings);
    git(['-C', building, '-c', 'pack.threads=2', 'repack', '-adf', '--quiet', '--depth=50', '--window=50']);
    git(['-C', building, 'pack-refs', '--all', '--prune']);
    git(['-C', building, 'update-server-info']);
    return { output: building, stats: repoStats(building) };
  });
}

/** Object count, pack size, ref count and the longest delta chain of a repository holding one pack. */
function repoStats(repo) {
  const pack = onlyPack(repo);
  let maxDeltaDepth = 0;
  for (const match of git(['verify-pack', '-v', pack.replace(/\.pack$/, '.idx')]).matchAll(/^chain length = (\d+):/gm)) {
    maxDeltaDepth = Math.max(maxDeltaDepth, Number(match[1]));
  }
  const counts = Object.fromEntries(git(['-C', repo, 'count-objects', '-v']).trim().split('\n').map((line) => line.split(': ')));
  const refs = git(['-C', repo, 'for-each-ref', '--format=%(objecttype)']).trim().split('\n');
  return {
    objects: Number(counts['in-pack']),
    packBytes: statSync(pack).size,
    refs: refs.length,
    annotatedTags: refs.filter((type) => type === 'tag').length,
    maxDeltaDepth,
  };
}

/** Writes the whole history into `repo` through one `git fast-import`. */
async function fastImport(repo, { seed, commits, files: fileCount, assetsMiB }) {
  const random = prng(seed);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const syllables = 'ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu'.split(' ');
  const vocabulary = Array.from({ length: 3000 }, () => Array.from({ length: 2 + Math.floor(random() * 4) }, () => pick(syllables)).join(''));
  const line = () => {
    const words = Array.from({ length: 3 + Math.floor(random() * 9) }, () => pick(vocabulary));
    if (random() < 0.3) words.push(Math.floor(random() * 2 ** 32).toString(16));
    return `${'  '.repeat(Math.floor(random() * 4))}${words.join(' ')}`;
  };
  const extensions = ['ts', 'js', 'md', 'json', 'c', 'h'];
  const paths = Array.from({ length: fileCount }, (_, index) => `src/m${index % 30}/p${Math.floor(index / 30) % 10}/f${index}.${extensions[index % extensions.length]}`);
  const contents = paths.map(() => Array.from({ length: 20 + Math.floor(random() * 180) }, line));
  // Popular files (low indexes) are edited far more often, as in real projects: their delta chains get deep.
  const popularFile = () => Math.floor(fileCount * random() ** 3);
  const edit = (lines) => {
    for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
      const at = Math.floor(random() * lines.length);
      const kind = random();
      if (kind < 0.5) lines[at] = line();
      else if (kind < 0.8 || lines.length < 10) lines.splice(at, 0, line());
      else lines.splice(at, 1);
    }
  };
  const people = Array.from({ length: 40 }, (_, index) => `${pick(vocabulary)} ${pick(vocabulary)} <dev${index}@example.com>`);
  let time = 1_500_000_000;
  const person = () => `${pick(people)} ${(time += 60 + Math.floor(random() * 3000))} +0000`;
  const assetBytes = Math.round(assetsMiB * 2 ** 20);
  const assetEvery = Math.max(1, Math.floor(commits / Math.max(1, Math.round(assetBytes / (120 * 1024)))));
  let assetsWritten = 0;

  const importer = startFastImport(repo);
  const write = (part) => importer.write(part);
  const data = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const fileChange = (path, body) => `M 100644 inline ${path}\n${data(body)}`;
  let mark = 0;
  const commit = async (ref, message, changes, { from, merge } = {}) => {
    mark += 1;
    const who = person();
    await write(`commit ${ref}\nmark :${mark}\nauthor ${who}\ncommitter ${who}\n${data(message)}`);
    if (from) await write(`from :${from}\n`);
    if (merge) await write(`merge :${merge}\n`);
    for (const change of changes) await write(change);
    await write('\n');
    return mark;
  };
  const subject = () => `${pick(['fix', 'add', 'update', 'refactor', 'document', 'test'])} ${pick(vocabulary)} ${pick(vocabulary)}\n\n${line()}\n`;

  let main = await commit('refs/heads/main', 'initial import\n', paths.map((path, index) => fileChange(path, `${contents[index].join('\n')}\n`)));
  let branches = 0;
  let tags = 0;
  for (let index = 1; index < commits; index++) {
    const changed = new Set(Array.from({ length: 1 + Math.floor(random() * 8) }, popularFile));
    for (const file of changed) edit(contents[file]);
    const changes = [...changed].map((file) => fileChange(paths[file], `${contents[file].join('\n')}\n`));
    if (index % assetEvery === 0 && assetsWritten < assetBytes) {
      const size = Math.min(assetBytes - assetsWritten, 40 * 1024 + Math.floor(random() * 160 * 1024));
      const body = Buffer.alloc(size);
      for (let offset = 0; offset < size; offset++) body[offset] = (random() * 256) | 0;
      changes.push(`M 100644 inline assets/a${index % 97}/image${index}.bin\ndata ${size}\n`, body, '\n');
      assetsWritten += size;
    }
    main = await commit('refs/heads/main', subject(), changes);
    if (index % 3 === 0) {
      // A topic branch of 1–3 commits off main; 40% of them are merged back at once.
      const ref = `refs/heads/topic/${String(++branches).padStart(5, '0')}-${pick(vocabulary)}`;
      const touched = new Map();
      let tip = main;
      for (let step = 1 + Math.floor(random() * 3), first = true; step > 0; step--, first = false) {
        const file = popularFile();
        const lines = touched.get(file) ?? [...contents[file]];
        edit(lines);
        touched.set(file, lines);
        tip = await commit(ref, subject(), [fileChange(paths[file], `${lines.join('\n')}\n`)], first ? { from: main } : {});
      }
      if (random() < 0.4) {
        for (const [file, lines] of touched) contents[file] = lines;
        const merged = [...touched.keys()].map((file) => fileChange(paths[file], `${contents[file].join('\n')}\n`));
        main = await commit('refs/heads/main', `Merge branch '${ref.slice('refs/heads/'.length)}'\n`, merged, { from: main, merge: tip });
      }
    }
    if (index % 5 === 0) {
      const name = `v${Math.floor(index / 500)}.${Math.floor(index / 50) % 10}.${(index / 5) % 10}`;
      tags += 1;
      if (tags % 3 === 0) await write(`tag ${name}\nfrom :${main}\ntagger ${person()}\n${data(`release ${name}\n`)}`);
      else await write(`reset refs/tags/${name}\nfrom :${main}\n\n`);
    }
  }
  await importer.end();
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: {
      ...GENERATOR_ARGS,
    },
  });
  const { path, stats, reused } = await benchRepoFromArgs(values);
  console.log(`repository: ${path} (${reused ? 'reused from the cache; it took' : 'generated in'} ${stats.generatedSeconds} s)`);
  console.log(`objects: ${stats.objects}, pack: ${(stats.packBytes / 2 ** 20).toFixed(1)} MiB, refs: ${stats.refs} (${stats.annotatedTags} annotated tags), max delta depth: ${stats.maxDeltaDepth}`);
}
