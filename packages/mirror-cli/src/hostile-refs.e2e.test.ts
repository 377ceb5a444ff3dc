import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MirrorReport } from './report/json-report.js';
import { hasScript, runCli, runCliInTerminal } from './test-support/cli.js';
import { tempDir } from '@gitmirror/test-servers';

const OID = '1234567890abcdef1234567890abcdef12345678';
const TITLE = '\x1b]0;pwned\x07';
const CLEAR = '\x1b[2J';

/** Characters a terminal acts on (C0 but tab and line feed, DEL, C1), as a server would inject them. */
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

function pkt(text: string): Buffer {
  const data = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0')), data]);
}
const FLUSH = Buffer.from('0000');

/** What the hostile server answers: its ls-refs lines, and the fetch response's progress and band-3 error. */
interface Script {
  lsRefs: string[];
  /** Answer with this protocol v0 advertisement (first line's capabilities included) instead of speaking v2. */
  v0?: string[];
  progress?: string;
  error?: string;
}

/**
 * A smart-HTTP source speaking protocol v2 that answers each repository `/<name>/` with `scripts[name]`: hostile
 * ls-refs lines, or a fetch that sends a progress line, waits so a terminal shows it, then fails on band 3.
 */
async function startHostileServer(scripts: Record<string, Script>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const [, name, rest] = /^\/([^/]+)\/(.*)$/.exec(request.url ?? '') ?? [];
      const script = scripts[name];
      if (!script) return void response.writeHead(404).end();
      if (request.method === 'GET' && rest.startsWith('info/refs?service=git-upload-pack')) {
        response.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
        if (script.v0) return void response.end(Buffer.concat([pkt('# service=git-upload-pack\n'), FLUSH, ...script.v0.map((line) => pkt(`${line}\n`)), FLUSH]));
        return void response.end(Buffer.concat([pkt('# service=git-upload-pack\n'), FLUSH, pkt('version 2\n'), pkt('ls-refs\n'), pkt('fetch\n'), FLUSH]));
      }
      if (request.method !== 'POST' || rest !== 'git-upload-pack') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/x-git-upload-pack-result' });
      if (Buffer.concat(chunks).includes('command=ls-refs')) return void response.end(Buffer.concat([...script.lsRefs.map((line) => pkt(`${line}\n`)), FLUSH]));
      response.write(Buffer.concat([pkt('packfile\n'), pkt(`\x02${script.progress ?? ''}\n`)]));
      setTimeout(() => response.end(pkt(`\x03${script.error ?? ''}\n`)), 600);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Files under `dir` (none when it does not exist). */
function filesUnder(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).map((entry) => entry.name) : [];
}

const HEAD = `${OID} HEAD symref-target:refs/heads/main`;
const MAIN = `${OID} refs/heads/main`;

const HOSTILE: [label: string, code: string, shown: string, lsRefs: string[]][] = [
  ['a ref name with a newline forging an info/refs line', 'INVALID_REF_NAME', '"refs/heads/x\\n', [HEAD, MAIN, `${OID} refs/heads/x\n${OID}\trefs/heads/forged`]],
  ['a ref name with escape sequences', 'INVALID_REF_NAME', `"refs/heads/a\\x1b]0;pwned\\x07\\x1b[2J"`, [HEAD, MAIN, `${OID} refs/heads/a${TITLE}${CLEAR}`]],
  ['a ref name with ".."', 'INVALID_REF_NAME', '"refs/heads/../../config"', [HEAD, MAIN, `${OID} refs/heads/../../config`]],
  ['a HEAD out of the repository', 'INVALID_REF_NAME', '"../../../../etc/passwd"', [`${OID} HEAD symref-target:../../../../etc/passwd`, MAIN]],
  ['one name at two objects', 'DUPLICATE_REF', '"refs/heads/main" more than once', [HEAD, MAIN, `${'a'.repeat(40)} refs/heads/main`]],
];

describe('hostile sources (built CLI)', () => {
  const dir = tempDir();
  let server: { url: string; close(): Promise<void> };

  beforeAll(async () => {
    const scripts: Record<string, Script> = Object.fromEntries(HOSTILE.map(([, , , lsRefs], index) => [`hostile-${index}`, { lsRefs }]));
    scripts.progress = { lsRefs: [HEAD, MAIN], progress: `Counting objects ${TITLE}${CLEAR}done`, error: `fatal ${TITLE}failure${CLEAR}\nerror: forged line` };
    scripts.v0 = { lsRefs: [], v0: [`${OID} HEAD\0symref=HEAD:refs/heads/../../HEAD side-band-64k ofs-delta`, MAIN] };
    scripts['v0-dots'] = { lsRefs: [], v0: [`${OID} HEAD\0symref=HEAD:refs/heads/main side-band-64k ofs-delta`, MAIN, `${OID} refs/heads/a..b\x1b[2J`] };
    server = await startHostileServer(scripts);
  });
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  it.each(HOSTILE.map((entry, index) => [...entry, index] as const))('refuses %s with %s, printing it escaped and writing nothing', async (_, code, shown, _lsRefs, index) => {
    const target = join(dir.path, `target-${index}`);
    const args = ['--retries', '0', '--source', `${server.url}/hostile-${index}`, '--target', target];
    const json = await runCli(['--json', ...args]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as MirrorReport;
    expect(report.repositories[0].error).toMatchObject({ code, message: expect.stringContaining(shown), hint: expect.stringContaining('nothing was fetched or written') });
    const plain = await runCli(args);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(shown);
    expect(plain.stderr).toMatch(new RegExp(`^hint: the source advertises`, 'm'));
    expect(plain.stdout + plain.stderr + json.stdout + json.stderr).not.toMatch(RAW_CONTROL);
    expect(plain.stderr).not.toMatch(/^[0-9a-f]{40}\trefs\/heads\/forged/m);
    expect(filesUnder(target)).toEqual([]);
  });

  it('refuses the same over protocol v0: a HEAD symref and a ref name git refuses', async () => {
    for (const [name, shown] of [['v0', '"refs/heads/../../HEAD"'], ['v0-dots', '"refs/heads/a..b\\x1b[2J"']]) {
      const target = join(dir.path, `target-${name}`);
      const run = await runCli(['--json', '--retries', '0', '--source', `${server.url}/${name}`, '--target', target]);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as MirrorReport;
      expect(report.repositories[0].error).toMatchObject({ code: 'INVALID_REF_NAME', message: expect.stringContaining(shown) });
      expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
      expect(filesUnder(target)).toEqual([]);
    }
  });

  it('lists a hostile source with ls-refs, its names escaped', async () => {
    const run = await runCli(['ls-refs', '--retries', '0', `${server.url}/hostile-1`]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${OID}\trefs/heads/a\\x1b]0;pwned\\x07\\x1b[2J\n`);
    expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
  });

  it('shows the remote progress and band-3 error escaped, never their escape sequences', async () => {
    const target = join(dir.path, 'target-progress');
    const args = ['--retries', '0', '--source', `${server.url}/progress`, '--target', target];
    const json = await runCli(['--json', ...args]);
    expect(json.code).toBe(1);
    const error = (JSON.parse(json.stdout) as MirrorReport).repositories[0].error;
    expect(error).toMatchObject({ code: 'REMOTE_ERROR', message: expect.stringContaining('fatal \\x1b]0;pwned\\x07failure\\x1b[2J\\nerror: forged line') });
    const plain = await runCli(args);
    expect(plain.stderr).toContain('fatal \\x1b]0;pwned\\x07failure\\x1b[2J\\nerror: forged line');
    expect(plain.stderr).not.toMatch(/^error: forged line/m);
    expect(plain.stdout + plain.stderr + json.stdout + json.stderr).not.toMatch(RAW_CONTROL);
    expect(filesUnder(target)).toEqual([]);

    if (hasScript()) {
      const terminal = await runCliInTerminal(args);
      expect(terminal.code).toBe(1);
      // The terminal shows the progress line as text while the fetch waits, and the error after it.
      expect(terminal.output).toContain('Counting objects \\x1b]0;pwned\\x07\\x1b[2Jdone');
      expect(terminal.output).toContain('fatal \\x1b]0;pwned\\x07failure');
      expect(terminal.output).not.toContain(TITLE);
      expect(terminal.output).not.toContain(CLEAR);
      expect(terminal.output).not.toContain('\x07');
    }
  });
});

describe('passwords that keep a URL from parsing (built CLI)', () => {
  const dir = tempDir();
  // Port 1 on loopback refuses connections; the URLs that parse "wrongly" put the password in a port, path or fragment.
  const URLS = [
    ['an unencoded #', 'http://ada:pa#ss-SECRET-1@127.0.0.1:1/repo.git'],
    ['an unencoded /', 'http://ada:pa/ss-SECRET-2@127.0.0.1:1/repo.git'],
    ['an unencoded ?', 'http://ada:pa?ss-SECRET-3@127.0.0.1:1/repo.git'],
    ['an invalid port', 'http://ada:pass-SECRET-4@127.0.0.1:99999/repo.git'],
    ['a # after digits (parses as a port and a fragment)', 'http://127.0.0.1:1#SECRET-5@127.0.0.1:1/repo.git'],
    ['a / after digits (parses as a port and a path)', 'http://127.0.0.1:1/SECRET-6@127.0.0.1:1/repo.git'],
  ];
  /** A git-server target (a push) with such a password, behind a source that is never reached. */
  const PUSH_TARGET = 'http://ada:pa#ss-SECRET-7@127.0.0.1:1/target.git';

  it('never prints them from a config file, in stderr, --json or on a terminal', async () => {
    const config = join(dir.path, 'mirrors.json');
    const entries = URLS.map(([, source], index) => ({ source, target: join(dir.path, `t${index}`) }));
    writeFileSync(config, JSON.stringify([...entries, { source: 'http://127.0.0.1:1/source.git', target: PUSH_TARGET }]));
    const json = await runCli(['--json', '--retries', '0', '--config', config]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as MirrorReport;
    expect(report.repositories.map((repo) => repo.ok)).toEqual([...URLS, PUSH_TARGET].map(() => false));
    for (const repo of report.repositories.slice(0, -1)) expect(repo.source).toMatch(/^http:\/\/(ada|127\.0\.0\.1):\*\*\*@127\.0\.0\.1/);
    expect(report.repositories.at(-1)?.target).toBe('http://ada:***@127.0.0.1:1/target.git');
    // The unparseable ones are typed errors telling to percent-encode; the misparsed ones reach (refused) port 1.
    expect(report.repositories.map((repo) => repo.error?.code)).toEqual(['INVALID_URL', 'INVALID_URL', 'INVALID_URL', 'INVALID_URL', 'CONNECTION_LOST', 'CONNECTION_LOST', 'INVALID_URL']);
    expect(report.repositories[0].error?.message).toContain('percent-encode');
    const plain = await runCli(['--retries', '0', '--config', config]);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toMatch(/^error: http:\/\/ada:\*\*\*@127\.0\.0\.1:1\/repo\.git -> /m);
    expect(json.stdout + json.stderr + plain.stdout + plain.stderr).not.toMatch(/SECRET/);
    if (hasScript()) {
      const terminal = await runCliInTerminal(['--retries', '0', '--config', config]);
      expect(terminal.code).toBe(1);
      expect(terminal.output).not.toMatch(/SECRET/);
    }
  });

  it.each(URLS)('refuses a password with %s on the command line without printing it', async (_, url) => {
    for (const args of [['--source', url, '--target', join(dir.path, 'cli')], ['--source=' + url, '--target', join(dir.path, 'cli')], ['ls-refs', url]]) {
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/is a URL with a password/);
      expect(run.stdout + run.stderr).not.toMatch(/SECRET/);
    }
    const json = await runCli(['--json', '--source', url, '--target', join(dir.path, 'cli')]);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    expect(json.stdout + json.stderr).not.toMatch(/SECRET/);
    expect(existsSync(join(dir.path, 'cli'))).toBe(false);
  });
});
