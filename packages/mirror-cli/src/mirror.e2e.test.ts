import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { commitFile, createSourceRepo, forEachRef, git, gitAsync, startGitHttpServer, startStaticServer, tempDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorReport } from './report/json-report.js';
import { finished, runCli, spawnCli, waitForOutput } from './test-support/cli.js';

/** Every file under a folder with a hash of its content, to prove nothing was written. */
function snapshot(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files[relative(root, path)] = createHash('sha1').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return files;
}

const refNames = (repo: string) => git(repo, 'for-each-ref', '--format=%(refname)').trim().split('\n').sort();

describe('mirror-git-to-s3 mirror (built CLI, smart HTTP sources, folder targets)', () => {
  const dir = tempDir();
  const sources = { one: join(dir.path, 'repos', 'one'), two: join(dir.path, 'repos', 'two') };
  let server: { url: string; close(): Promise<void> };
  const url = (name: string) => `${server.url}/${name}`;
  const target = (name: string) => join(dir.path, 'mirrors', name);

  beforeAll(async () => {
    createSourceRepo(sources.one);
    createSourceRepo(sources.two);
    commitFile(sources.two, 'two.txt', 'second repository\n');
    server = await startGitHttpServer({ projectRoot: join(dir.path, 'repos') });
  });
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  it('mirrors --source/--target pairs into folders that clone, and prints one JSON document of results', async () => {
    const run = await runCli(['--json', '--source', url('one'), '--target', target('one'), '--source', url('two'), '--target', target('two')]);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as MirrorReport;
    expect(Object.keys(report)).toEqual(['command', 'ok', 'dryRun', 'interruptedBy', 'durationMs', 'shard', 'repositories', 'invalidInput']);
    expect(report).toMatchObject({ command: 'mirror', ok: true, dryRun: false, interruptedBy: null, shard: null, invalidInput: [] });
    expect(report.repositories.map((repo) => [repo.source, repo.target])).toEqual([
      [url('one'), target('one')],
      [url('two'), target('two')],
    ]);
    for (const [index, source] of [sources.one, sources.two].entries()) {
      const repo = report.repositories[index];
      const objects = new Set(git(source, 'rev-list', '--objects', '--all').split('\n').filter(Boolean).map((line) => line.slice(0, 40)));
      expect(repo).toEqual({
        source: expect.any(String),
        target: expect.any(String),
        ok: true,
        upToDate: false,
        created: refNames(source),
        updated: [],
        deleted: [],
        pack: expect.stringMatching(/^pack-[0-9a-f]{40}\.pack$/),
        objects: objects.size,
        bytes: statSync(join(target(index === 0 ? 'one' : 'two'), 'objects', 'pack', repo.pack ?? '')).size,
        readBack: { requests: expect.any(Number), bytes: expect.any(Number), passes: expect.any(Number) },
        repack: null,
        protocolVersion: 2,
        durationMs: expect.any(Number),
        error: null,
      });
    }
    expect(run.stderr).toMatch(/^2 repositories: 2 changed, 0 up to date, 0 failed in /m);

    const statics = await startStaticServer({ root: target('two') });
    try {
      const clone = join(dir.path, 'clone-two.git');
      await gitAsync(dir.path, 'clone', '-q', '--mirror', statics.url, clone);
      expect(forEachRef(clone)).toBe(forEachRef(sources.two));
      expect(readFileSync(join(clone, 'HEAD'), 'utf8')).toBe('ref: refs/heads/develop\n');
    } finally {
      await statics.close();
    }

    const again = await runCli(['--json', '--source', url('one'), '--target', target('one')]);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as MirrorReport).repositories[0]).toMatchObject({ ok: true, upToDate: true, created: [], pack: null });
    expect(again.stderr).toMatch(/one -> .*one: up to date in /);
  });

  it('exits with 1 when a repository fails, still mirrors the others, and says what to do', async () => {
    const run = await runCli(['--json', '--source', url('missing'), '--target', target('missing'), '--source', url('one'), '--target', target('one-again')]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as MirrorReport;
    expect(report.ok).toBe(false);
    expect(report.repositories[0]).toMatchObject({ ok: false, pack: null, error: { code: 'NOT_FOUND', message: expect.stringContaining(url('missing')), hint: expect.stringMatching(/check the repository URL/) } });
    expect(report.repositories[1]).toMatchObject({ ok: true, created: refNames(sources.one) });
    expect(run.stderr).toContain(`error: ${url('missing')} -> ${target('missing')}: ${url('missing')}: GET answered HTTP 404`);
    expect(run.stderr).toMatch(/^hint: check the repository URL/m);
    expect(existsSync(target('missing'))).toBe(false);
  });

  it('gives up on a server that does not answer after --timeout, with a hint', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const source = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/repo.git`;
      const started = performance.now();
      const run = await runCli(['--json', '--timeout', '1s', '--retries', '0', '--source', source, '--target', target('silent')]);
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(run.code).toBe(1);
      expect((JSON.parse(run.stdout) as MirrorReport).repositories[0].error).toMatchObject({ code: 'TIMEOUT', hint: expect.stringContaining('--timeout') });
      const fromEnv = await runCli(['--source', source, '--target', target('silent')], { env: { MIRROR_GIT_TO_S3_TIMEOUT: '500ms', MIRROR_GIT_TO_S3_RETRIES: '0' } });
      expect(fromEnv.stderr).toMatch(/^hint: the server stopped answering; run again, or allow longer with --timeout/m);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('prints nothing at all with --quiet, and still exits with the status', async () => {
    expect(await runCli(['--quiet', '--source', url('one'), '--target', target('quiet')])).toMatchObject({ code: 0, stdout: '', stderr: '' });
    expect(await runCli(['-q', '--source', url('nope'), '--target', target('quiet-nope')])).toMatchObject({ code: 1, stdout: '', stderr: '' });
  });

  it('reads mirrors and settings from YAML and JSON config files; flags beat the environment, which beats the file', async () => {
    const yamlConfig = join(dir.path, 'mirrors.yaml');
    writeFileSync(
      yamlConfig,
      `# shared settings, then the repositories\nconcurrency: 2\ninclude-ref: ['refs/heads/*']\nmirrors:\n  - source: ${url('one')}\n    target: ${target('cfg-one')}\n  - source: ${url('two')}\n    target: ${target('cfg-two')}\n    include: ['refs/tags/*']\n`,
    );
    const jsonConfig = join(dir.path, 'mirrors.json');
    writeFileSync(jsonConfig, JSON.stringify([{ source: url('one'), target: target('cfg-json'), exclude: ['refs/tags/**'] }]));
    const created = async (args: string[], env?: Record<string, string>) => {
      const run = await runCli(['--json', ...args], { env });
      expect(run.code).toBe(0);
      return (JSON.parse(run.stdout) as MirrorReport).repositories.map((repo) => repo.created);
    };
    const heads = refNames(sources.one).filter((name) => name.startsWith('refs/heads/'));
    // `*` stays within one level of the name: refs/heads/* leaves out refs/heads/feature/a-b.
    const topHeads = heads.filter((name) => !name.slice('refs/heads/'.length).includes('/'));
    const tags = refNames(sources.two).filter((name) => name.startsWith('refs/tags/'));

    expect(topHeads.length).toBeLessThan(heads.length);
    expect(await created(['--config', yamlConfig, '--dry-run'])).toEqual([topHeads, tags]);
    expect(await created(['--config', yamlConfig, '--dry-run'], { MIRROR_GIT_TO_S3_INCLUDE_REF: 'refs/tags/v1.0' })).toEqual([['refs/tags/v1.0'], tags]);
    expect(await created(['--config', yamlConfig, '--dry-run', '--include-ref', 'refs/heads/main'], { MIRROR_GIT_TO_S3_INCLUDE_REF: 'refs/tags/v1.0' })).toEqual([['refs/heads/main'], tags]);
    expect(await created(['--config', jsonConfig])).toEqual([heads]);
    expect(refNames(join(target('cfg-json')))).toEqual(heads);
  });

  it('streams JSON lines from stdin with --config -: work starts before the input ends, a bad line fails only itself', async () => {
    const child = spawnCli(['--config', '-', '--json']);
    const done = finished(child);
    child.stdin?.write(`${JSON.stringify({ source: url('one'), target: target('stdin-one') })}\n`);
    await waitForOutput(child.stderr!, /stdin-one: \d+ created/);
    child.stdin?.write(`{"source": "${url('two')}"\n\n${JSON.stringify({ source: url('two'), target: target('stdin-two'), include: ['refs/heads/main'] })}\n`);
    child.stdin?.end();
    const run = await done;
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as MirrorReport;
    expect(report.repositories.map((repo) => [repo.ok, repo.created.length])).toEqual([
      [true, refNames(sources.one).length],
      [true, 1],
    ]);
    expect(report.invalidInput).toEqual([{ line: 2, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^not JSON/) } }]);
    expect(run.stderr).toMatch(/^error: standard input, line 2: not JSON/m);
  });

  it('--dry-run tells what would change and writes nothing', async () => {
    // A source of its own: this test changes it, and the others must not see that.
    const source = createSourceRepo(join(dir.path, 'repos', 'dry-run'));
    const fresh = await runCli(['--json', '--dry-run', '--source', url('dry-run'), '--target', target('dry')]);
    expect(fresh.code).toBe(0);
    expect((JSON.parse(fresh.stdout) as MirrorReport).repositories[0]).toMatchObject({ ok: true, upToDate: false, created: refNames(source), pack: null, objects: 0 });
    expect(fresh.stderr).toMatch(/would change refs: \d+ created, 0 updated, 0 deleted/);
    expect(existsSync(target('dry'))).toBe(false);

    expect((await runCli(['--source', url('dry-run'), '--target', target('dry-run')])).code).toBe(0);
    const before = snapshot(target('dry-run'));
    commitFile(source, 'later.txt', 'a later change\n');
    git(source, 'branch', '-D', 'feature/a-b');
    const changed = await runCli(['--json', '--dry-run', '--source', url('dry-run'), '--target', target('dry-run')]);
    expect((JSON.parse(changed.stdout) as MirrorReport).repositories[0]).toMatchObject({ created: [], updated: ['refs/heads/develop'], deleted: ['refs/heads/feature/a-b'] });
    expect(snapshot(target('dry-run'))).toEqual(before);
  });

  it('lists refs like git ls-remote, from a source over smart HTTP and from a mirror on disk or over dumb HTTP', async () => {
    const expected = await gitAsync(dir.path, 'ls-remote', url('one'));
    expect(await runCli(['ls-refs', url('one')])).toMatchObject({ code: 0, stdout: expected });
    expect((await runCli(['--source', url('one'), '--target', target('ls-refs')])).code).toBe(0);
    expect(await runCli(['ls-refs', target('ls-refs')])).toMatchObject({ code: 0, stdout: expected });
    const symref = await gitAsync(dir.path, 'ls-remote', '--symref', url('one'), 'HEAD');
    expect((await runCli(['ls-refs', '--symref', url('one')])).stdout.startsWith(symref)).toBe(true);
    const statics = await startStaticServer({ root: target('ls-refs') });
    try {
      expect(await runCli(['ls-refs', statics.url])).toMatchObject({ code: 0, stdout: await gitAsync(dir.path, 'ls-remote', statics.url) });
    } finally {
      await statics.close();
    }
    const missing = await runCli(['ls-refs', url('missing')]);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^error: ls-refs .*missing: /);
  });

  it('pushes to a git server target (http://) as its help says, the refs equal to the source', async () => {
    const pushRoot = join(dir.path, 'push-root');
    git(dir.path, 'init', '-q', '--bare', join(pushRoot, 'pushed.git'));
    const pushServer = await startGitHttpServer({ projectRoot: pushRoot, receivePack: true });
    try {
      const run = await runCli(['--json', '--source', url('one'), '--target', `${pushServer.url}/pushed.git`]);
      expect(run.stderr).toMatch(/1 repository: 1 changed/);
      expect(run.code).toBe(0);
      expect(forEachRef(join(pushRoot, 'pushed.git'))).toBe(forEachRef(sources.one));
    } finally {
      await pushServer.close();
    }
  });
});
