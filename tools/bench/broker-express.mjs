#!/usr/bin/env node
// The broker (smart target) on a real repository: mirror the express bundle, served by `git http-backend` (protocol
// v2), into an empty bare repository behind `git http-backend` with receive-pack (and behind sshd when its env is
// set), the pack streaming from the fetch into the push. Against git's way of doing it, which needs a local copy:
// `git clone --mirror` + `git push --mirror`. Prints wall times, their ratio and peak RSS against the memory budget,
// and checks that our process wrote no file: it runs with TMPDIR set to an empty folder that must stay empty.
//
// usage: node tools/bench/broker-express.mjs [bundle=../shared/corpus/express.bundle] [runs=1]
// needs: built packages (npm run build), GNU time at /usr/bin/time; sshd optional (eval "$(tools/servers/sshd.sh start)")
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MEMORY_BUDGET } from '@gitmirror/mirror-core';
import { gitSshCommand, sshTestServer, startGitHttpServer } from '@gitmirror/test-servers';
import { measure, median, run } from './measure-process.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const [bundle = join(root, '../shared/corpus/express.bundle'), runsText = '1'] = process.argv.slice(2);
const runs = Number(runsText);
const ours = fileURLToPath(new URL('./broker-ours.mjs', import.meta.url));
if (!existsSync(bundle)) {
  console.log(`skipped: ${bundle} is absent`);
  process.exit(0);
}
if (!existsSync(join(root, 'packages/mirror-core/dist/index.js'))) throw new Error('mirror-core is not built: run npm run build');
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time (GNU time) is needed for peak RSS: apt-get install time');
const ssh = sshTestServer().server;

const work = mkdtempSync(join(tmpdir(), 'bench-broker-'));
const timeFile = join(work, 'time.txt');
const server = await startGitHttpServer({ projectRoot: work, receivePack: true });
try {
  await run('git', ['clone', '--quiet', '--mirror', bundle, join(work, 'source.git')]);
  const source = `${server.url}/source.git`;
  const expectedRefs = await forEachRef(join(work, 'source.git'));
  const targets = [['http', (name) => `${server.url}/${name}`]];
  if (ssh) targets.push(['ssh', (name) => `ssh://${ssh.user}@${ssh.host}:${ssh.port}${join(work, name)}`]);
  else console.log('ssh target skipped: GITMIRROR_SSHD_* not set (eval "$(tools/servers/sshd.sh start)")');
  const sshOptions = ssh && JSON.stringify({ identityFile: ssh.keyFile, knownHostsFile: ssh.knownHostsFile, agent: false });
  const gitEnv = { ...process.env, ...(ssh ? { GIT_SSH_COMMAND: gitSshCommand(ssh) } : {}) };

  for (const [kind, targetUrl] of targets) {
    const results = { ours: [], git: [] };
    for (let index = 0; index < runs; index++) {
      for (const name of index % 2 === 0 ? ['ours', 'git'] : ['git', 'ours']) {
        const repo = `target-${kind}-${name}-${index}.git`;
        await run('git', ['init', '--quiet', '--bare', join(work, repo)]);
        if (name === 'ours') {
          const privateTmp = mkdtempSync(join(work, 'tmpdir-'));
          const env = { ...process.env, TMPDIR: privateTmp, NODE_NO_WARNINGS: '1' };
          results.ours.push(await measure([process.execPath, ours, source, targetUrl(repo), ...(kind === 'ssh' ? [sshOptions] : [])], env, timeFile));
          const leftovers = readdirSync(privateTmp, { recursive: true });
          if (leftovers.length > 0) throw new Error(`our run wrote to its temp folder: ${leftovers.join(', ')}`);
          rmSync(privateTmp, { recursive: true });
        } else {
          const clone = join(work, `clone-${index}.git`);
          results.git.push(await measure(['sh', '-c', 'git clone --quiet --mirror "$1" "$2" && git -C "$2" push --quiet --mirror "$3"', 'sh', source, clone, targetUrl(repo)], gitEnv, timeFile));
          rmSync(clone, { recursive: true, force: true });
        }
        if ((await forEachRef(join(work, repo))) !== expectedRefs) throw new Error(`${kind} run ${index + 1}: the ${name} target's refs differ from the source's`);
        await run('git', ['-C', join(work, repo), 'fsck', '--connectivity-only', '--no-progress']);
        rmSync(join(work, repo), { recursive: true, force: true });
      }
      console.log(`${kind} run ${index + 1}: ours ${results.ours[index].seconds.toFixed(2)} s, git ${results.git[index].seconds.toFixed(2)} s`);
    }
    const ourSeconds = median(results.ours.map((r) => r.seconds));
    const gitSeconds = median(results.git.map((r) => r.seconds));
    const ourRss = Math.max(...results.ours.map((r) => r.rssKiB)) / 1024;
    const gitRss = Math.max(...results.git.map((r) => r.rssKiB)) / 1024;
    const budget = DEFAULT_MEMORY_BUDGET / 1024 / 1024;
    const pushed = JSON.parse(results.ours[0].stdout);
    console.log(`${kind} target: ${pushed.objects} objects, ${(pushed.bytes / 1024 / 1024).toFixed(1)} MiB pack, ${pushed.refs} refs; ${runs} run(s), refs equal and fsck clean every time`);
    console.log(`  median wall time: ours ${ourSeconds.toFixed(2)} s, git clone --mirror + push --mirror ${gitSeconds.toFixed(2)} s, ratio ${(ourSeconds / gitSeconds).toFixed(2)}`);
    console.log(`  peak RSS: ours ${ourRss.toFixed(1)} MiB (budget ${budget} MiB: ${ourRss <= budget ? 'within' : 'OVER'}), git ${gitRss.toFixed(1)} MiB (largest process of its tree)`);
    console.log('  temp folder: nothing written (TMPDIR of our process stayed empty)');
    if (ourRss > budget) process.exitCode = 1;
  }
} finally {
  await server.close();
  rmSync(work, { recursive: true, force: true });
}

function forEachRef(repo) {
  return run('git', ['-C', repo, 'for-each-ref', '--format=%(objectname) %(refname)']);
}
