import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createSourceRepo, gitAsync, startGitHttpServer, tempDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorReport } from './report/json-report.js';
import { hasScript, runCli, runCliInTerminal } from './test-support/cli.js';

const PASSWORD = 'pw-SECRET-0451';
const TOKEN = 'tok-SECRET-9932';

/** A proxy in front of the git server that answers 401 unless the request carries the password or the token. */
async function startAuthProxy(upstream: string): Promise<{ url: string; close(): Promise<void> }> {
  const accepted = new Set([`Basic ${Buffer.from(`ada:${PASSWORD}`).toString('base64')}`, `Bearer ${TOKEN}`]);
  const server: Server = createServer((incoming, response) => {
    if (!accepted.has(incoming.headers.authorization ?? '')) {
      response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    const forward = request(upstream + (incoming.url ?? '/'), { method: incoming.method, headers: incoming.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('credentials (built CLI)', () => {
  const dir = tempDir();
  let gitServer: { url: string; close(): Promise<void> };
  let proxy: { url: string; close(): Promise<void> };
  let entries: { source: string; target: string; headers?: Record<string, string> }[];

  beforeAll(async () => {
    createSourceRepo(join(dir.path, 'repos', 'one'));
    gitServer = await startGitHttpServer({ projectRoot: join(dir.path, 'repos') });
    proxy = await startAuthProxy(gitServer.url);
    const withPassword = (password: string, base = proxy.url) => base.replace('http://', `http://ada:${password}@`);
    entries = [
      { source: `${withPassword(PASSWORD)}/one`, target: join(dir.path, 'password') },
      { source: `${withPassword('wrong-SECRET-7')}/one`, target: join(dir.path, 'wrong') },
      { source: `${proxy.url}/one`, target: join(dir.path, 'token'), headers: { Authorization: `Bearer ${TOKEN}` } },
      { source: `${withPassword(PASSWORD, 'http://127.0.0.1:1')}/one`, target: join(dir.path, 'unreachable') },
    ];
  });
  afterAll(async () => {
    await proxy?.close();
    await gitServer?.close();
    dir.remove();
  });

  it('uses passwords and tokens from a config file, says what to do on a 401, and never prints them', async () => {
    const config = join(dir.path, 'mirrors.json');
    writeFileSync(config, JSON.stringify(entries));
    const run = await runCli(['--json', '--retries', '0', '--config', config]);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as MirrorReport;
    expect(report.repositories.map((repo) => repo.ok)).toEqual([true, false, true, false]);
    expect(report.repositories[0].source).toBe(`${proxy.url.replace('http://', 'http://ada:***@')}/one`);
    expect(report.repositories[1].error).toMatchObject({ code: 'AUTH_FAILED', hint: expect.stringMatching(/^the server refused the credentials: check the user and password/) });
    expect(report.repositories[3].error).toMatchObject({ code: 'CONNECTION_LOST' });
    expect(run.stderr).toMatch(/^error: http:\/\/ada:\*\*\*@127\.0\.0\.1:\d+\/one -> .*wrong: .*401/m);
    expect(run.stderr).toMatch(/^hint: the server refused the credentials/m);
    expect(run.stdout + run.stderr).not.toMatch(/SECRET/);

    if (hasScript()) {
      const terminal = await runCliInTerminal(['--retries', '0', '--config', config]);
      expect(terminal.code).toBe(1);
      expect(terminal.output).toContain('ada:***@');
      expect(terminal.output).not.toMatch(/SECRET/);
    }
  });

  it('takes them from JSON lines on stdin and from the environment, without printing them', async () => {
    const input = entries.map((entry) => JSON.stringify({ ...entry, target: `${entry.target}-stdin` })).join('\n');
    const run = await runCli(['--json', '--retries', '0', '--config', '-'], { input });
    expect((JSON.parse(run.stdout) as MirrorReport).repositories.map((repo) => repo.ok)).toEqual([true, false, true, false]);
    expect(run.stdout + run.stderr).not.toMatch(/SECRET/);

    const env = { MIRROR_GIT_TO_S3_HEADER: `Authorization: Bearer ${TOKEN}`, MIRROR_GIT_TO_S3_SOURCE: `${proxy.url}/one`, MIRROR_GIT_TO_S3_TARGET: join(dir.path, 'env') };
    const fromEnv = await runCli([], { env });
    expect(fromEnv.code).toBe(0);
    const lsRefs = await runCli(['ls-refs', `${proxy.url}/one`], { env });
    expect(lsRefs).toMatchObject({ code: 0, stdout: await gitAsync(dir.path, 'ls-remote', join(dir.path, 'repos', 'one')) });
    const denied = await runCli(['ls-refs', '--json', `${proxy.url}/one`], { env: { MIRROR_GIT_TO_S3_HEADER: 'Authorization: Bearer wrong-SECRET-8' } });
    expect(denied.code).toBe(1);
    expect(JSON.parse(denied.stdout)).toMatchObject({ ok: false, error: { code: 'AUTH_FAILED' } });
    expect([fromEnv, lsRefs, denied].map((result) => result.stdout + result.stderr).join('')).not.toMatch(/SECRET/);
  });

  it('reads the password from a .netrc file given with --netrc or the environment; --no-netrc wins over both', async () => {
    const netrc = join(dir.path, 'netrc');
    writeFileSync(netrc, `machine 127.0.0.1\n  login ada\n  password ${PASSWORD}\n`);
    const home = { HOME: join(dir.path, 'home') };
    const mirror = (name: string, flags: string[], env: Record<string, string> = {}) =>
      runCli(['--json', '--retries', '0', ...flags, '--source', `${proxy.url}/one`, '--target', join(dir.path, name)], { env: { ...home, ...env } });
    const results = [
      await mirror('netrc-none', []),
      await mirror('netrc-flag', ['--netrc', netrc]),
      await mirror('netrc-env', [], { MIRROR_GIT_TO_S3_NETRC: netrc }),
      await mirror('netrc-off', ['--no-netrc'], { MIRROR_GIT_TO_S3_NETRC: netrc }),
    ];
    expect(results.map((result) => result.code)).toEqual([1, 0, 0, 1]);
    expect(JSON.parse(results[0].stdout)).toMatchObject({ repositories: [{ error: { code: 'AUTH_FAILED' } }] });
    expect(results.map((result) => result.stdout + result.stderr).join('')).not.toMatch(/SECRET/);
  });
});
