import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHttpServer, type GitHttpRequest } from './git-http-server.js';
import type { RunningServer } from './listen.js';
import { createBareRepo, forEachRef } from './git-fixtures.js';
import { gitAsync, runGit } from './git-run.js';
import { tempDir } from './temp-dir.js';

const dir = tempDir();
const source = `${dir.path}/source.git`;
const requests: GitHttpRequest[] = [];
let server: RunningServer;
let pushServer: RunningServer;

beforeAll(async () => {
  createBareRepo(source);
  server = await startGitHttpServer({ projectRoot: dir.path, onRequest: (request) => requests.push(request) });
  pushServer = await startGitHttpServer({ projectRoot: dir.path, receivePack: true });
});
afterAll(async () => {
  await server.close();
  await pushServer.close();
  dir.remove();
});

/** Packet lines the client sent or received, from GIT_TRACE_PACKET. */
function tracedPackets(stderr: string): string[] {
  return stderr.split('\n').flatMap((line) => /packet: +\S+([<>]) (.*)$/.exec(line)?.slice(1, 3).join(' ') ?? []);
}

describe.each([2, 0] as const)('git http-backend server, protocol v%i', (version) => {
  it('answers stock git ls-remote like a local ls-remote', async () => {
    requests.length = 0;
    const { stdout, stderr } = await runGit(['-c', `protocol.version=${version}`, 'ls-remote', `${server.url}/source.git`], {
      env: { GIT_TRACE_PACKET: '1' },
    });
    expect(stdout.toString()).toBe(await gitAsync(dir.path, 'ls-remote', source));
    const packets = tracedPackets(stderr);
    if (version === 2) {
      expect(packets).toContain('< version 2');
      expect(packets).toContain('> command=ls-refs');
      expect(requests.map((request) => request.gitProtocol)).toEqual(['version=2', 'version=2']);
    } else {
      expect(packets).not.toContain('< version 2');
      expect(requests.map((request) => request.gitProtocol)).toEqual([undefined]);
    }
  });

  it('serves stock git clone --mirror: same refs, fsck clean', async () => {
    const clone = `${dir.path}/clone-v${version}.git`;
    await gitAsync(dir.path, '-c', `protocol.version=${version}`, 'clone', '-q', '--mirror', `${server.url}/source.git`, clone);
    expect(forEachRef(clone)).toBe(forEachRef(source));
    expect(await gitAsync(clone, 'symbolic-ref', 'HEAD')).toBe('refs/heads/trunk\n');
    await gitAsync(clone, 'fsck', '--full', '--strict');
  });

  it('accepts a push when receive-pack is enabled', async () => {
    const work = `${dir.path}/push-v${version}`;
    await gitAsync(dir.path, 'clone', '-q', `${pushServer.url}/source.git`, work);
    await gitAsync(work, 'commit', '-q', '--allow-empty', '-m', `pushed over v${version}`);
    await gitAsync(work, '-c', `protocol.version=${version}`, 'push', '-q', 'origin', `HEAD:refs/heads/pushed-v${version}`);
    expect(await gitAsync(source, 'rev-parse', `refs/heads/pushed-v${version}`)).toBe(await gitAsync(work, 'rev-parse', 'HEAD'));
  });
});

describe('git http-backend server', async () => {
  it('refuses pushes unless receive-pack is enabled', async () => {
    const work = `${dir.path}/push-refused`;
    await gitAsync(dir.path, 'clone', '-q', `${server.url}/source.git`, work);
    await expect(runGit(['push', '-q', 'origin', 'HEAD:refs/heads/refused'], { cwd: work })).rejects.toThrow(/403/);
    await expect(gitAsync(source, 'rev-parse', '--verify', '-q', 'refs/heads/refused')).rejects.toThrow();
  });

  it('inflates gzip request bodies (Content-Encoding: gzip)', async () => {
    const pkt = (line: string) => `${(line.length + 4).toString(16).padStart(4, '0')}${line}`;
    const request = `${pkt('command=ls-refs\n')}0001${pkt('ref-prefix refs/heads/\n')}0000`;
    const response = await fetch(`${server.url}/source.git/git-upload-pack`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-git-upload-pack-request',
        'content-encoding': 'gzip',
        'git-protocol': 'version=2',
      },
      body: gzipSync(request),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-git-upload-pack-result');
    const branches = await gitAsync(source, 'for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/');
    expect(await response.text()).toBe(`${branches.split('\n').filter(Boolean).map((line) => pkt(`${line}\n`)).join('')}0000`);
  });

  it('passes the CGI status through: 404 for a missing repository', async () => {
    const response = await fetch(`${server.url}/missing.git/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(404);
  });
});
