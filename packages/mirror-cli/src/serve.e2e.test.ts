import { createHmac } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitFile, createKillTestSource, createSourceRepo, createTestBucket, forEachRef, gitAsync, s3TestServers, startGitHttpServer, tempDir } from '@gitmirror/test-servers';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorStatus } from './serve/mirror-status.js';
import { runCli } from './test-support/cli.js';
import { servedSourceRepo } from './test-support/served-source.js';
import { s3Settings } from './test-support/s3.js';
import { call, eventually, SERVE_ENV as env, startServe, TOKEN, type Served } from './test-support/serve.js';

const SECRET = env.MIRROR_GIT_TO_S3_WEBHOOK_SECRET;

const githubSignature = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('mirror-git-to-s3 serve (built CLI, smart HTTP sources, folder targets)', () => {
  const dir = tempDir();
  const repos = join(dir.path, 'repos');
  const mirrors = join(dir.path, 'mirrors');
  const config = join(dir.path, 'mirrors.yaml');
  let gitServer: { url: string; close(): Promise<void> };
  let served: Served;

  const mirrorList = (extra = '') => `concurrency: 2
mirrors:
  - name: alpha
    source: ${gitServer.url}/alpha
    target: ${join(mirrors, 'alpha')}
  - name: beta
    source: ${gitServer.url}/beta
    target: ${join(mirrors, 'beta')}
  - name: ticker
    source: ${join(repos, 'ticker')}
    target: ${join(mirrors, 'ticker')}
    schedule: 1s
${extra}`;

  const states = async (): Promise<Map<string, MirrorStatus>> => {
    const { body } = await call(`${served.url}/api/mirrors`, { token: TOKEN });
    return new Map((body.mirrors as MirrorStatus[]).map((mirror) => [mirror.name, mirror]));
  };
  const syncedAfter = (name: string, since: string | null) =>
    eventually(async () => {
      const mirror = (await states()).get(name);
      return mirror && mirror.state === 'idle' && mirror.lastSuccess !== null && mirror.lastSuccess !== since ? mirror : undefined;
    }, 20_000, `a sync of ${name}`);
  const successes = async (name: string): Promise<number> => {
    const families = parsePrometheusTextFormat((await call(`${served.url}/metrics`)).text);
    const syncs = families.find((family) => family.name === 'gitmirror_syncs_total');
    return Number(syncs?.metrics.find((metric) => metric.labels?.mirror === name && metric.labels?.result === 'success')?.value ?? 0);
  };

  beforeAll(async () => {
    mkdirSync(mirrors, { recursive: true });
    for (const name of ['alpha', 'beta', 'ticker', 'delta']) createSourceRepo(join(repos, name));
    gitServer = await startGitHttpServer({ projectRoot: repos });
    writeFileSync(config, mirrorList());
    served = await startServe(config);
  });
  afterAll(async () => {
    served?.child.kill('SIGKILL');
    await gitServer?.close();
    dir.remove();
  });

  it('answers /healthz and /readyz, and closes the API without the bearer token', async () => {
    expect(await call(`${served.url}/healthz`)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await call(`${served.url}/readyz`)).toMatchObject({ status: 200, body: { ready: true, problems: [] } });
    expect(await call(`${served.url}/api/mirrors`)).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect(await call(`${served.url}/api/mirrors`, { token: 'wrong' })).toMatchObject({ status: 401 });
    expect(await call(`${served.url}/api/mirrors/alpha/sync`, { method: 'POST' })).toMatchObject({ status: 401 });
    expect(await call(`${served.url}/api/mirrors/nope/sync`, { method: 'POST', token: TOKEN })).toMatchObject({ status: 404, body: { error: { code: 'UNKNOWN_MIRROR' } } });
    expect(await call(`${served.url}/api/mirrors`, { method: 'DELETE', token: TOKEN })).toMatchObject({ status: 405 });
    expect(await call(`${served.url}/nothing-here`)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('syncs a mirror the API asks for, and lists every mirror with its state', async () => {
    const before = (await states()).get('alpha')!;
    expect(before).toMatchObject({ name: 'alpha', source: `${gitServer.url}/alpha`, target: join(mirrors, 'alpha'), lastFailure: null, lastError: null, nextScheduled: null });
    expect(await call(`${served.url}/api/mirrors/alpha/sync`, { method: 'POST', token: TOKEN })).toMatchObject({ status: 202, body: { mirror: 'alpha', outcome: 'queued' } });
    await syncedAfter('alpha', before.lastSuccess);
    const clone = join(dir.path, 'alpha-clone.git');
    await gitAsync(dir.path, 'clone', '-q', '--mirror', join(mirrors, 'alpha'), clone);
    expect(forEachRef(clone)).toBe(forEachRef(join(repos, 'alpha')));
    expect([...(await states()).keys()]).toEqual(['alpha', 'beta', 'ticker']);
  });

  it('coalesces triggers: while a mirror syncs, one more sync is queued, and no second one', async () => {
    commitFile(join(repos, 'alpha'), 'coalesce.txt', 'more\n');
    const before = await successes('alpha');
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push((await call(`${served.url}/api/mirrors/alpha/sync`, { method: 'POST', token: TOKEN })).body.outcome);
    expect(outcomes).toEqual(['queued', 'queued-after-current', 'already-queued']);
    await eventually(async () => ((await successes('alpha')) === before + 2 && (await states()).get('alpha')!.state === 'idle' ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await successes('alpha')).toBe(before + 2);
  });

  it('verifies GitHub, GitLab and Gitea webhooks and syncs the mirrors of the repository they name', async () => {
    const push = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: `${gitServer.url}/beta.git`, html_url: 'https://example.invalid/beta', ssh_url: 'git@example.invalid:beta.git' } });
    const github = (headers: Record<string, string>, body = push) => call(`${served.url}/webhooks/github`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect(await github({ 'x-github-event': 'push' })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    expect(await github({ 'x-github-event': 'push', 'x-hub-signature-256': githubSignature(push, 'other') })).toMatchObject({ status: 401 });
    const ping = JSON.stringify({ zen: 'Keep it logically awesome.', hook_id: 1 });
    expect(await github({ 'x-github-event': 'ping', 'x-hub-signature-256': githubSignature(ping) }, ping)).toMatchObject({ status: 200 });

    let since = (await states()).get('beta')!.lastSuccess;
    const pushed = await github({ 'x-github-event': 'push', 'x-hub-signature-256': githubSignature(push) });
    expect(pushed).toMatchObject({ status: 202, body: { event: 'push', mirrors: [{ name: 'beta', outcome: 'queued' }] } });
    since = (await syncedAfter('beta', since)).lastSuccess;

    const other = JSON.stringify({ repository: { clone_url: 'https://example.invalid/unknown.git' } });
    expect(await github({ 'x-github-event': 'push', 'x-hub-signature-256': githubSignature(other) }, other)).toMatchObject({ status: 202, body: { mirrors: [] } });

    const gitlab = JSON.stringify({ object_kind: 'push', project: { git_http_url: `${gitServer.url}/beta.git`, web_url: 'https://example.invalid/beta' } });
    const gitlabHeaders = { 'content-type': 'application/json', 'x-gitlab-event': 'Push Hook' };
    expect(await call(`${served.url}/webhooks/gitlab`, { method: 'POST', headers: { ...gitlabHeaders, 'x-gitlab-token': 'wrong' }, body: gitlab })).toMatchObject({ status: 401 });
    expect(await call(`${served.url}/webhooks/gitlab`, { method: 'POST', headers: { ...gitlabHeaders, 'x-gitlab-token': SECRET }, body: gitlab })).toMatchObject({ status: 202, body: { mirrors: [{ name: 'beta' }] } });
    since = (await syncedAfter('beta', since)).lastSuccess;

    const gitea = JSON.stringify({ ref: 'refs/heads/main', repository: { clone_url: `${gitServer.url}/beta.git` } });
    const giteaHeaders = { 'content-type': 'application/json', 'x-gitea-event': 'push' };
    const giteaSignature = createHmac('sha256', SECRET).update(gitea).digest('hex');
    expect(await call(`${served.url}/webhooks/gitea`, { method: 'POST', headers: { ...giteaHeaders, 'x-gitea-signature': '0'.repeat(64) }, body: gitea })).toMatchObject({ status: 401 });
    expect(await call(`${served.url}/webhooks/gitea`, { method: 'POST', headers: { ...giteaHeaders, 'x-gitea-signature': giteaSignature }, body: gitea })).toMatchObject({ status: 202, body: { mirrors: [{ name: 'beta' }] } });
    await syncedAfter('beta', since);

    const huge = 'x'.repeat(2 * 1024 * 1024);
    expect(await github({ 'x-github-event': 'push', 'x-hub-signature-256': githubSignature(huge) }, huge)).toMatchObject({ status: 413 });
  });

  it('fires schedules by themselves and says when the next run is', async () => {
    const ticker = await eventually(async () => {
      const mirror = (await states()).get('ticker');
      return mirror?.lastSuccess ? mirror : undefined;
    });
    expect(Date.parse(ticker.nextScheduled!)).toBeGreaterThan(Date.parse(ticker.lastSuccess!) - 1_100);
    await eventually(async () => ((await successes('ticker')) >= 2 ? true : undefined), 10_000, 'a second scheduled sync');
  });

  it('exposes Prometheus metrics that a parser reads', async () => {
    const families = parsePrometheusTextFormat((await call(`${served.url}/metrics`)).text);
    const byName = new Map(families.map((family) => [family.name, family]));
    expect(byName.get('gitmirror_syncs_total')?.type).toBe('COUNTER');
    expect(byName.get('gitmirror_sync_duration_seconds')?.type).toBe('HISTOGRAM');
    expect(byName.get('gitmirror_queue_depth')?.type).toBe('GAUGE');
    expect(byName.get('gitmirror_fetched_bytes_total')?.metrics.some((metric) => metric.labels?.mirror === 'alpha' && Number(metric.value) > 0)).toBe(true);
    const lastSuccess = byName.get('gitmirror_last_success_timestamp_seconds')?.metrics.find((metric) => metric.labels?.mirror === 'beta');
    expect(Number(lastSuccess?.value)).toBeGreaterThan(Date.now() / 1000 - 600);
    expect(byName.has('process_cpu_seconds_total')).toBe(true);
  });

  it('reloads the mirror list when the config file changes and on SIGHUP', async () => {
    const delta = `  - name: delta\n    source: ${gitServer.url}/delta\n    target: ${join(mirrors, 'delta')}\n`;
    writeFileSync(config, mirrorList(delta));
    await eventually(async () => ((await states()).has('delta') ? true : undefined), 10_000, 'delta to appear');
    expect(await call(`${served.url}/api/mirrors/delta/sync`, { method: 'POST', token: TOKEN })).toMatchObject({ status: 202 });
    await syncedAfter('delta', null);
    writeFileSync(config, 'mirrors: [{ name: broken }]\n');
    served.child.kill('SIGHUP');
    await eventually(async () => (served.logs().some((line) => line.msg === 'config not reloaded: keeping the previous one') ? true : undefined));
    expect((await states()).has('delta')).toBe(true);
    writeFileSync(config, mirrorList());
    served.child.kill('SIGHUP');
    await eventually(async () => (!(await states()).has('delta') ? true : undefined), 10_000, 'delta to go');
    // Replaced by a rename, as editors and Kubernetes ConfigMaps do, twice: each new file is watched again.
    const replace = (text: string) => {
      writeFileSync(`${config}.new`, text);
      renameSync(`${config}.new`, config);
    };
    replace(mirrorList(delta));
    await eventually(async () => ((await states()).has('delta') ? true : undefined), 10_000, 'delta to come back');
    replace(mirrorList());
    await eventually(async () => (!(await states()).has('delta') ? true : undefined), 10_000, 'delta to go again');
  });

  it('logs one JSON line per event, with the mirror, duration and error code', () => {
    const done = served.logs().find((line) => line.msg === 'sync done' && line.mirror === 'alpha');
    expect(done).toMatchObject({ level: 30, mirror: 'alpha', durationMs: expect.any(Number) });
    expect(typeof done!.time).toBe('string');
  });

  it('on SIGTERM stops accepting, lets the sync in flight finish, and exits 0', async () => {
    commitFile(join(repos, 'beta'), 'last.txt', 'before the stop\n');
    expect(await call(`${served.url}/api/mirrors/beta/sync`, { method: 'POST', token: TOKEN })).toMatchObject({ status: 202 });
    served.child.kill('SIGTERM');
    const run = await served.exited;
    expect(run.code).toBe(0);
    const lines = served.logs().map((line) => `${String(line.msg)} ${String(line.mirror ?? '')}`.trim());
    expect(lines.indexOf('sync done beta', lines.indexOf('shutting down: no new requests; in-flight syncs may finish'))).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe('stopped');
    await expect(fetch(`${served.url}/healthz`)).rejects.toThrow();
  });
});

describe('mirror-git-to-s3 serve stopped during a sync past its grace period', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('aborts the sync cleanly: the mirror stays consistent and the next start completes it', async () => {
    const source = createKillTestSource(join(dir.path, 'source'));
    const target = join(dir.path, 'mirror');
    const config = join(dir.path, 'serve.yaml');
    writeFileSync(config, `mirrors:\n  - name: big\n    source: ${source}\n    target: ${target}\n`);
    const served = await startServe(config, ['--shutdown-grace', '1ms']);
    expect(await call(`${served.url}/api/mirrors/big/sync`, { method: 'POST', token: TOKEN })).toMatchObject({ status: 202 });
    served.child.kill('SIGTERM');
    expect((await served.exited).code).toBe(0);
    const verify = await runCli(['verify', target]);
    // Either nothing was published yet (no mirror at all) or the previous state is whole.
    if (verify.code !== 0) expect(verify.stderr).toMatch(/MISSING_INFO_REFS|info\/refs is missing/);
    const again = await startServe(config, ['--leftover-grace', '1ms']);
    try {
      expect(await call(`${again.url}/api/mirrors/big/sync`, { method: 'POST', token: TOKEN })).toMatchObject({ status: 202 });
      await eventually(async () => {
        const { body } = await call(`${again.url}/api/mirrors`, { token: TOKEN });
        return body.mirrors[0].lastSuccess ? true : undefined;
      }, 30_000, 'the next start to sync');
    } finally {
      again.child.kill('SIGTERM');
      expect((await again.exited).code).toBe(0);
    }
    expect(await runCli(['verify', '--full', target])).toMatchObject({ code: 0, stderr: expect.stringMatching(/: ok\n$/) });
  });
});

describe.each(s3TestServers())('mirror-git-to-s3 serve into $name', ({ server: s3, skipReason }) => {
  const origin = servedSourceRepo(s3 !== undefined);
  const dir = { path: origin.dir };

  it.skipIf(!s3)(`syncs into a bucket on a webhook, is not ready while a bucket is missing, and redacts credentials${skipReason ? ` (skipped: ${skipReason})` : ''}`, async () => {
    if (!s3) throw new Error(skipReason);
    const bucket = await createTestBucket(s3, { publicRead: true });
    const { args, env: s3Env } = s3Settings(s3);
    const config = join(dir.path, 'serve.yaml');
    const source = origin.url();
    writeFileSync(
      config,
      `mirrors:
  - name: one
    source: ${source}
    target: s3://${bucket}/one
  - name: missing-bucket
    source: https://user:hunter2@example.invalid/repo.git
    target: s3://no-such-bucket-${Date.now()}/repo
`,
    );
    const served = await startServe(config, args, s3Env);
    try {
      const ready = await call(`${served.url}/readyz`);
      expect(ready).toMatchObject({ status: 503, body: { ready: false } });
      expect(ready.body.problems).toEqual([expect.stringMatching(/^missing-bucket: s3:\/\/no-such-bucket-\d+\/repo does not answer/)]);
      const { body } = await call(`${served.url}/api/mirrors`, { token: TOKEN });
      expect(JSON.stringify(body)).not.toContain('hunter2');
      const push = JSON.stringify({ repository: { clone_url: `${source}.git` } });
      const hook = await call(`${served.url}/webhooks/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': githubSignature(push) },
        body: push,
      });
      expect(hook).toMatchObject({ status: 202, body: { mirrors: [{ name: 'one', outcome: 'queued' }] } });
      await eventually(async () => {
        const { body } = await call(`${served.url}/api/mirrors`, { token: TOKEN });
        const one = (body.mirrors as MirrorStatus[]).find((mirror) => mirror.name === 'one');
        return one?.lastSuccess ? one : undefined;
      });
      const clone = join(dir.path, `clone-${s3.name}.git`);
      await gitAsync(dir.path, 'clone', '-q', '--mirror', `${s3.endpoint}/${bucket}/one`, clone);
      expect(forEachRef(clone)).toBe(forEachRef(origin.path));
    } finally {
      served.child.kill('SIGTERM');
      expect((await served.exited).code).toBe(0);
    }
  });
});
