#!/usr/bin/env node
// Peak RSS per object of indexing a pack of tiny distinct blobs (the cheapest objects a source can send, so what
// grows is per-object memory: the object table while it doubles, the .idx), under a 32 MiB indexer budget, one thread.
// The figure behind mirror-core's INDEX_BYTES_PER_OBJECT. Each pack is written once under --dir, then indexed in a
// child process of its own, from memory.
//
//   node tools/bench/index-objects-rss.mjs [--objects 400000,1600000] [--dir /tmp/gitmirror-bench-tiny]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: { objects: { type: 'string', default: '400000,1600000' }, dir: { type: 'string', default: '/tmp/gitmirror-bench-tiny' }, child: { type: 'string' } },
});

/** A pack of `count` blobs holding their decimal index. */
function writePack(file, count) {
  const header = Buffer.alloc(12);
  header.write('PACK');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(count, 8);
  const parts = [header];
  for (let i = 0; i < count; i++) {
    const content = Buffer.from(`${i}`);
    parts.push(Buffer.from([(3 << 4) | content.length]), deflateSync(content));
  }
  const body = Buffer.concat(parts);
  writeFileSync(file, Buffer.concat([body, createHash('sha1').update(body).digest()]));
}

if (values.child) {
  const { indexPack } = await import(`${root}packages/git-pack-stream/dist/index.js`);
  const pack = readFileSync(values.child);
  globalThis.gc();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  async function* source() {
    for (let at = 0; at < pack.length; at += 65536) {
      peak = Math.max(peak, process.memoryUsage.rss());
      yield pack.subarray(at, at + 65536);
    }
  }
  const result = await indexPack({ source: source(), read: async (offset, length) => pack.subarray(offset, offset + length), memoryBudget: 32 << 20, threads: 1 });
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  console.log(JSON.stringify({ objects: result.objectCount, growth: peak - before }));
} else {
  mkdirSync(values.dir, { recursive: true });
  console.log('objects     peak RSS growth   per object');
  for (const count of values.objects.split(',').map(Number)) {
    const file = join(values.dir, `tiny-${count}.pack`);
    if (!existsSync(file)) writePack(file, count);
    const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', file], { encoding: 'utf8' });
    const { objects, growth } = JSON.parse(out);
    console.log(`${String(objects).padStart(8)}  ${(growth / 1048576).toFixed(1).padStart(12)} MiB  ${(growth / objects).toFixed(0).padStart(8)} B`);
  }
}
