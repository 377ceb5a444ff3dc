#!/usr/bin/env node
// Generates a large pack for tools/bench/index-pack.mjs: incompressible blobs plus the history of
// many text files edited a little in every commit (deep delta chains), written with git fast-import.
//
// usage: node tools/bench/index-pack-fixture.mjs <output.pack> [randomMiB=300] [textFiles=1500] [commits=80]
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';

const [output, randomMiB = '300', textFiles = '1500', commits = '80'] = process.argv.slice(2);
if (!output) {
  console.error('usage: index-pack-fixture.mjs <output.pack> [randomMiB=300] [textFiles=1500] [commits=80]');
  process.exit(2);
}

let seed = 12345;
const next = () => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed / 2 ** 32;
};
const words = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega'.split(' ');
const line = () => Array.from({ length: 3 + Math.floor(next() * 10) }, () => words[Math.floor(next() * words.length)]).join(' ') + ` ${Math.floor(next() * 1e9)}`;

const repo = mkdtempSync(join(tmpdir(), 'index-pack-fixture-'));
execFileSync('git', ['init', '--quiet', '--bare', repo]);
const importer = spawn('git', ['fast-import', '--quiet', '--depth=50'], { cwd: repo, stdio: ['pipe', 'inherit', 'inherit'] });
const write = async (data) => {
  if (!importer.stdin.write(data)) await once(importer.stdin, 'drain');
};
const blob = async (path, bytes) => {
  await write(`M 100644 inline ${path}\ndata ${bytes.length}\n`);
  await write(bytes);
  await write('\n');
};

const files = Array.from({ length: Number(textFiles) }, () => Array.from({ length: 40 + Math.floor(next() * 160) }, line));
const randomBlobs = Math.round((Number(randomMiB) * 1024) / 100);
for (let c = 0; c < Number(commits); c++) {
  const message = `commit ${c}\n`;
  await write(`commit refs/heads/main\ncommitter Bench <bench@example.com> ${1_700_000_000 + c * 60} +0000\ndata ${message.length}\n${message}`);
  for (const [f, lines] of files.entries()) {
    if (c > 0 && next() < 0.3) continue;
    for (let edits = 1 + Math.floor(next() * 4); edits > 0; edits--) {
      const at = Math.floor(next() * lines.length);
      if (next() < 0.6) lines[at] = line();
      else lines.splice(at, 0, line());
    }
    await blob(`src/${f % 37}/file${f}.txt`, Buffer.from(lines.join('\n') + '\n'));
  }
  for (let b = Math.floor((randomBlobs * c) / Number(commits)); b < Math.floor((randomBlobs * (c + 1)) / Number(commits)); b++) {
    await blob(`assets/${b % 53}/blob${b}.bin`, randomBytes(50 * 1024 + Math.floor(next() * 100 * 1024)));
  }
}
importer.stdin.end();
const [code] = await once(importer, 'exit');
if (code !== 0) throw new Error(`git fast-import exited with ${code}`);
const packDir = join(repo, 'objects', 'pack');
const pack = readdirSync(packDir).find((name) => name.endsWith('.pack'));
copyFileSync(join(packDir, pack), resolve(output));
rmSync(repo, { recursive: true, force: true });
console.log(`wrote ${resolve(output)}`);
