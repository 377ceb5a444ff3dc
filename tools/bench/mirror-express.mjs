#!/usr/bin/env node
// End-to-end mirror of a real repository, served by `git http-backend`, into a fresh radosgw prefix per run:
// ours (`mirrorRepo`, see mirror-ours.mjs) against the naive pipeline (`git clone --mirror` + `git update-server-info`
// + uploading every file with the same S3 client and sink, see mirror-naive.mjs), in turn, several runs each. Prints the
// median wall-time ratio (ours / naive) and both peak RSS figures; every run's mirror must clone over dumb HTTP
// with the source's refs. Ours is also run on a one-commit repository: its peak RSS is the fixed cost (Node, the AWS
// SDK, HTTP clients, code), and what the express mirror takes above it is what the pack costs against the budget.
//
// usage: node tools/bench/mirror-express.mjs [bundle=../shared/corpus/express.bundle] [runs=3]
// needs: radosgw (source the env printed by tools/servers/radosgw.sh start), built packages (npm run build),
//        GNU time at /usr/bin/time
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStorage } from '@gitmirror/dumb-storage';
import { createTestBucket, createTestS3Client, s3TestServers, startGitHttpServer } from '@gitmirror/test-servers';
import { measure, median, run, s3Env } from './measure-process.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const [bundle = join(root, '../shared/corpus/express.bundle'), runsText = '3'] = process.argv.slice(2);
const runs = Number(runsText);
const ours = fileURLToPath(new URL('./mirror-ours.mjs', import.meta.url));
const naive = fileURLToPath(new URL('./mirror-naive.mjs', import.meta.url));
if (!existsSync(join(root, 'packages/mirror-core/dist/index.js'))) throw new Error('mirror-core is not built: run npm run build');
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time (GNU time) is needed for peak RSS: apt-get install time');
const server = s3TestServers().find((slot) => slot.name === 'radosgw')?.server;
if (!server) throw new Error('radosgw is not running: eval "$(tools/servers/radosgw.sh start)"');

const work = mkdtempSync(join(tmpdir(), 'bench-mirror-'));
const timeFile = join(work, 'time.txt');
const gitServer = await startGitHttpServer({ projectRoot: work });
try {
  await run('git', ['clone', '--quiet', '--mirror', bundle, join(work, 'source.git')]);
  const source = `${gitServer.url}/source.git`;
  const expectedRefs = await run('git', ['-C', join(work, 'source.git'), 'for-each-ref', '--format=%(objectname) %(refname)']);
  const env = s3Env(server);
  const results = { ours: [], naive: [], floor: [] };
  await run('git', ['init', '--quiet', join(work, 'one')]);
  await run('git', ['-C', join(work, 'one'), '-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '--quiet', '--allow-empty', '-m', 'one']);
  await run('git', ['clone', '--quiet', '--bare', join(work, 'one'), join(work, 'one.git')]);
  for (let index = 0; index < runs; index++) {
    const bucket = await createTestBucket(server, { publicRead: true });
    const commands = {
      ours: [process.execPath, ours, source, server.endpoint, bucket, 'ours'],
      floor: [process.execPath, ours, `${gitServer.url}/one.git`, server.endpoint, bucket, 'floor'],
      naive: [process.execPath, naive, source, server.endpoint, bucket, 'naive'],
    };
    results.floor.push(await measure(commands.floor, env, timeFile));
    for (const name of index % 2 === 0 ? ['ours', 'naive'] : ['naive', 'ours']) {
      results[name].push(await measure(commands[name], env, timeFile));
      const clone = join(work, `clone-${name}-${index}`);
      await run('git', ['clone', '--quiet', '--mirror', `${server.endpoint}/${bucket}/${name}`, clone]);
      const refs = await run('git', ['-C', clone, 'for-each-ref', '--format=%(objectname) %(refname)']);
      if (refs !== expectedRefs) throw new Error(`run ${index + 1}: the ${name} mirror's refs differ from the source's`);
      rmSync(clone, { recursive: true, force: true });
    }
    await emptyBucket(bucket);
    console.log(`run ${index + 1}: ours ${results.ours[index].seconds.toFixed(2)} s, naive ${results.naive[index].seconds.toFixed(2)} s`);
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, list]) => [name, { seconds: median(list.map((r) => r.seconds)), rssMiB: Math.max(...list.map((r) => r.rssKiB)) / 1024 }]),
  );
  console.log(`source: ${bundle} over git http-backend, target: radosgw ${server.endpoint}, ${runs} runs, every mirror cloned with the source's refs`);
  console.log(`median wall time: ours ${summary.ours.seconds.toFixed(2)} s, naive ${summary.naive.seconds.toFixed(2)} s, ratio ours/naive ${(summary.ours.seconds / summary.naive.seconds).toFixed(2)}`);
  console.log(`peak RSS: ours ${summary.ours.rssMiB.toFixed(1)} MiB, naive ${summary.naive.rssMiB.toFixed(1)} MiB (largest process of its tree)`);
  const floorMiB = median(results.floor.map((r) => r.rssKiB)) / 1024;
  const oursMiB = median(results.ours.map((r) => r.rssKiB)) / 1024;
  console.log(`median peak RSS: ours ${oursMiB.toFixed(1)} MiB, ours on a one-commit repository ${floorMiB.toFixed(1)} MiB: the pack took ${(oursMiB - floorMiB).toFixed(1)} MiB of the 128 MiB default budget`);
} finally {
  await gitServer.close();
  rmSync(work, { recursive: true, force: true });
}

/** Deletes the run's mirrors: radosgw keeps objects in memory. */
async function emptyBucket(bucket) {
  const storage = await openStorage(`s3://${bucket}`, { getS3Client: () => createTestS3Client(server) });
  const keys = [];
  for await (const object of storage.list('')) keys.push(object.key);
  await storage.delete(keys);
}
