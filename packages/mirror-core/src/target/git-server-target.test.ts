import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commitFile, createSourceRepo, forEachRef, git, type GitHttpRequest, sshTestServer, startGitHttpServer, suiteDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PushRejectedError } from '../errors.js';
import type { MirrorOptions } from '../mirror-options.js';
import { mirrorRepo } from '../mirror-repo.js';
import { startHttpProxy } from '../test-support/http-proxy.js';
import { createLocalChannel } from '../transport/local-channel.js';
import { openTransport } from '../transport/open-transport.js';
import { ReceivePackClient } from '../push/receive-pack-client.js';
import { objectsBetween } from '../test-support/verify.js';
import { GitServerTarget } from './git-server-target.js';

const ssh = sshTestServer();

/** A git server to push to: `url(name)` is the URL of the bare repository `<root>/<name>`. */
interface PushServer {
  url(name: string): string;
  options: MirrorOptions;
  /** POSTs to `git-receive-pack` since the server started (HTTP only). */
  receivePackPosts?: () => number;
  close(): Promise<void>;
}

const servers: [string, string | undefined, (root: string) => Promise<PushServer>][] = [
  [
    'git http-backend',
    undefined,
    async (root) => {
      const requests: GitHttpRequest[] = [];
      const server = await startGitHttpServer({ projectRoot: root, receivePack: true, onRequest: (request) => requests.push(request) });
      return {
        url: (name) => `${server.url}/${name}`,
        options: { netrc: false },
        receivePackPosts: () => requests.filter((request) => request.method === 'POST' && request.path.endsWith('/git-receive-pack')).length,
        close: () => server.close(),
      };
    },
  ],
  [
    'OpenSSH sshd',
    ssh.skipReason,
    async (root) => {
      const { host, port, user, keyFile, knownHostsFile } = ssh.server!;
      return {
        url: (name) => `ssh://${user}@${host}:${port}${join(root, name)}`,
        options: { ssh: { identityFile: keyFile, knownHostsFile, agent: false } },
        close: async () => {},
      };
    },
  ],
];

for (const [serverName, skipReason, start] of servers) {
  describe.skipIf(skipReason !== undefined)(`mirrorRepo pushing to ${serverName}${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
    const dir = suiteDir('mirror-push-');
    let server: PushServer;

    beforeAll(async () => {
      mkdirSync(dir.path, { recursive: true });
      server = await start(dir.path);
    });
    afterAll(async () => {
      await server?.close();
      dir.remove();
    });

    const bareTarget = (name: string) => {
      git(dir.path, 'init', '-q', '--bare', name);
      return join(dir.path, name);
    };
    /** A source of the test's own, so that what one test changes in it no other test sees. */
    const sourceRepo = (name: string) => createSourceRepo(join(dir.path, `${name}-source`));
    const expectMirrored = (source: string, target: string, filtered = (refs: string) => refs) => {
      expect(forEachRef(target)).toBe(filtered(forEachRef(source)));
      git(target, 'fsck', '--full', '--strict', '--no-progress');
    };

    it('pushes every ref into an empty repository, then pushes nothing when nothing changed', async () => {
      const source = sourceRepo('empty');
      const target = bareTarget('empty.git');
      const planned = await mirrorRepo(source, server.url('empty.git'), { ...server.options, dryRun: true });
      expect(forEachRef(target)).toBe('');
      const result = await mirrorRepo(source, server.url('empty.git'), server.options);
      expect(result.created).toEqual(planned.created);
      expect(result.upToDate).toBe(false);
      expect(result.created).toEqual(forEachRef(source).split('\n').filter(Boolean).map((line) => line.slice(41)).sort());
      expect(result.pack?.objects).toBe(objectsBetween(source, ['--all'], []).length);
      expectMirrored(source, target);

      const posts = server.receivePackPosts?.();
      const again = await mirrorRepo(source, server.url('empty.git'), server.options);
      expect(again).toMatchObject({ upToDate: true, created: [], updated: [], deleted: [] });
      expect(again.pack).toBeUndefined();
      if (posts !== undefined) expect(server.receivePackPosts?.()).toBe(posts);
      expectMirrored(source, target);
    });

    it('creates, updates, force-updates and deletes branches and tags, fetching only what the target lacks', async () => {
      const source = sourceRepo('sync');
      const target = bareTarget('sync.git');
      await mirrorRepo(source, server.url('sync.git'), server.options);
      const before = git(source, 'for-each-ref', '--format=%(objectname)').split('\n').filter(Boolean);

      commitFile(source, 'develop.txt', 'more\n');
      git(source, 'branch', 'new-branch');
      git(source, 'branch', '-D', 'Zeta');
      git(source, 'tag', '-a', '-m', 'two', 'v2.0');
      git(source, 'checkout', '-q', 'feature-x');
      git(source, 'reset', '-q', '--hard', 'HEAD~1');
      commitFile(source, 'rewritten.txt', 'force pushed\n');
      git(source, 'checkout', '-q', 'develop');
      const result = await mirrorRepo(source, server.url('sync.git'), server.options);
      expect(result.created).toEqual(['refs/heads/new-branch', 'refs/tags/v2.0']);
      expect(result.updated).toEqual(['refs/heads/develop', 'refs/heads/feature-x']);
      expect(result.deleted).toEqual(['refs/heads/Zeta']);
      expect(result.pack?.objects).toBeLessThanOrEqual(objectsBetween(source, ['--all'], before).length);
      expectMirrored(source, target);

      git(source, 'branch', 'same-commit', 'main');
      const refsOnly = await mirrorRepo(source, server.url('sync.git'), server.options);
      expect(refsOnly).toMatchObject({ created: ['refs/heads/same-commit'], pack: undefined });
      expectMirrored(source, target);

      git(source, 'branch', '-D', 'same-commit', 'new-branch');
      const deleteOnly = await mirrorRepo(source, server.url('sync.git'), server.options);
      expect(deleteOnly).toMatchObject({ deleted: ['refs/heads/new-branch', 'refs/heads/same-commit'], created: [], updated: [] });
      expectMirrored(source, target);
    });

    it('leaves refs outside the filters alone', async () => {
      const source = sourceRepo('filtered');
      const target = bareTarget('filtered.git');
      const filters = { include: ['refs/heads/**'], exclude: ['refs/heads/feature**'] };
      await mirrorRepo(source, server.url('filtered.git'), { ...server.options, ...filters });
      git(target, 'update-ref', 'refs/notes/own', git(source, 'rev-parse', 'main').trim());
      commitFile(source, 'filtered.txt', 'filtered\n');
      await mirrorRepo(source, server.url('filtered.git'), { ...server.options, ...filters });
      const kept = (refs: string) =>
        refs
          .split('\n')
          .filter((line) => /refs\/heads\//.test(line) && !/refs\/heads\/feature/.test(line))
          .join('\n');
      expect(forEachRef(target).replace(/^.* refs\/notes\/own\n/m, '')).toBe(`${kept(forEachRef(source))}\n`);
      expect(forEachRef(target)).toContain('refs/notes/own');
      git(target, 'fsck', '--full', '--strict', '--no-progress');
    });

    it('reports the refs an update hook refuses: atomic pushes update nothing, others the rest', async () => {
      const source = sourceRepo('hooked');
      for (const atomic of [true, false]) {
        const name = `hooked-${atomic}.git`;
        const target = bareTarget(name);
        writeFileSync(join(target, 'hooks/update'), '#!/bin/sh\ncase "$1" in refs/heads/Zeta) echo "no Zeta here" >&2; exit 1;; esac\n');
        chmodSync(join(target, 'hooks/update'), 0o755);
        git(source, 'branch', '-f', 'Zeta', 'main');
        const error = (await mirrorRepo(source, server.url(name), { ...server.options, atomic }).catch((e: unknown) => e)) as PushRejectedError;
        expect(error).toBeInstanceOf(PushRejectedError);
        expect(error.code).toBe('PUSH_REJECTED');
        const refused = error.results.filter((ref) => !ref.ok);
        expect(error.results.find((ref) => ref.name === 'refs/heads/Zeta')).toMatchObject({ ok: false, reason: 'hook declined' });
        expect(error.message).toContain('refs/heads/Zeta (hook declined');
        if (atomic) {
          expect(refused).toHaveLength(error.results.length);
          expect(error.results.find((ref) => ref.name === 'refs/heads/main')?.reason).toMatch(/atomic/);
          expect(error.message).toContain('not updated because another ref was refused and the push is atomic');
          expect(forEachRef(target)).toBe('');
        } else {
          expect(refused).toHaveLength(1);
          expect(forEachRef(target)).toBe(forEachRef(source).replace(/^.* refs\/heads\/Zeta\n/m, ''));
          git(target, 'fsck', '--full', '--strict', '--no-progress');
        }
      }
    });

    it('reports a pre-receive hook refusing the push, a deleted current branch and a refused force push', async () => {
      const source = sourceRepo('pre-receive');
      const hooked = bareTarget('pre-receive.git');
      writeFileSync(join(hooked, 'hooks/pre-receive'), '#!/bin/sh\necho "pushes are closed" >&2\nexit 1\n');
      chmodSync(join(hooked, 'hooks/pre-receive'), 0o755);
      const messages: string[] = [];
      const error = (await mirrorRepo(source, server.url('pre-receive.git'), {
        ...server.options,
        onProgress: (event) => event.type === 'remote-progress' && messages.push(event.message),
      }).catch((e: unknown) => e)) as PushRejectedError;
      expect(error.results.every((ref) => ref.reason === 'pre-receive hook declined')).toBe(true);
      expect(messages).toContain('pushes are closed');
      expect(forEachRef(hooked)).toBe('');

      const target = bareTarget('guarded.git');
      await mirrorRepo(source, server.url('guarded.git'), server.options);
      git(target, 'symbolic-ref', 'HEAD', 'refs/heads/feature-x');
      git(target, 'config', 'receive.denyNonFastForwards', 'true');
      git(source, 'branch', '-m', 'feature-x', 'feature-y');
      git(source, 'checkout', '-q', 'main');
      git(source, 'reset', '-q', '--hard', 'HEAD~1');
      git(source, 'checkout', '-q', 'develop');
      const refused = (await mirrorRepo(source, server.url('guarded.git'), { ...server.options, atomic: false }).catch((e: unknown) => e)) as PushRejectedError;
      expect(refused.results.filter((ref) => !ref.ok).map((ref) => [ref.name, ref.reason])).toEqual([
        ['refs/heads/feature-x', 'deletion of the current branch prohibited'],
        ['refs/heads/main', 'non-fast-forward'],
      ]);
      expect(refused.message).toContain("receive.denyDeleteCurrent");
      expect(refused.message).toContain("receive.denyNonFastForwards");
      expect(forEachRef(target)).toContain('refs/heads/feature-y');
    });
  });
}

describe('mirrorRepo pushing over HTTP: credentials and failures', () => {
  const dir = suiteDir('mirror-push-drop-');
  let server: Awaited<ReturnType<typeof startGitHttpServer>>;

  beforeAll(async () => {
    createSourceRepo(join(dir.path, 'source'));
    git(dir.path, 'init', '-q', '--bare', 'target.git');
    server = await startGitHttpServer({ projectRoot: dir.path, receivePack: true });
  });
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  it('sends the target its own credentials, never the source headers, and hides the password', async () => {
    const expected = `Basic ${Buffer.from('ada:push-pw').toString('base64')}`;
    const guarded = await startHttpProxy(server.url, {
      intercept: (request, response) => {
        if (request.headers.authorization === expected) return false;
        response.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end();
        return true;
      },
    });
    git(dir.path, 'init', '-q', '--bare', 'guarded.git');
    try {
      const port = new URL(guarded.url).port;
      const denied = (await mirrorRepo(`${server.url}/source`, `http://ada:wrong-pw@127.0.0.1:${port}/guarded.git`, { netrc: false }).catch((e: unknown) => e)) as Error;
      expect(denied).toMatchObject({ code: 'AUTH_FAILED' });
      expect(`${denied.message} ${String(denied.stack)}`).not.toContain('wrong-pw');
      const before = guarded.requests.length;
      const options = { netrc: false, headers: { 'X-Source-Token': 'source-only' }, targetHeaders: { 'X-Target-Token': 'target-only' } };
      const result = await mirrorRepo(`${server.url}/source`, `http://ada:push-pw@127.0.0.1:${port}/guarded.git`, options);
      expect(result.target).not.toContain('push-pw');
      expect(forEachRef(join(dir.path, 'guarded.git'))).toBe(forEachRef(join(dir.path, 'source')));
      const requests = guarded.requests.slice(before);
      expect(requests.filter((request) => request.method === 'POST').map((request) => request.url)).toEqual(['/guarded.git/git-receive-pack']);
      expect(requests.every((request) => request.headers['x-target-token'] === 'target-only' && !('x-source-token' in request.headers))).toBe(true);
    } finally {
      await guarded.close();
    }
  });

  it('stops when aborted while the pack flows, leaving the target as it was', async () => {
    git(dir.path, 'init', '-q', '--bare', 'aborted.git');
    const controller = new AbortController();
    const error = await mirrorRepo(`${server.url}/source`, `${server.url}/aborted.git`, {
      netrc: false,
      signal: controller.signal,
      onProgress: (event) => event.type === 'phase' && event.phase === 'fetching' && controller.abort(),
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(forEachRef(join(dir.path, 'aborted.git'))).toBe('');
  });

  it("fails with the source's error and leaves the target as it was", async () => {
    const dropping = await startHttpProxy(server.url, { dropPostResponseAfter: 2000 });
    try {
      const error = await mirrorRepo(`${dropping.url}/source`, `${server.url}/target.git`, { netrc: false }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CONNECTION_LOST', message: expect.stringContaining(dropping.url) });
    } finally {
      await dropping.close();
    }
    const target = join(dir.path, 'target.git');
    expect(forEachRef(target)).toBe('');
    git(target, 'fsck', '--full', '--strict', '--no-progress');
    const result = await mirrorRepo(`${server.url}/source`, `${server.url}/target.git`, { netrc: false });
    expect(result.created.length).toBeGreaterThan(0);
    expect(forEachRef(target)).toBe(forEachRef(join(dir.path, 'source')));
  });
});

/**
 * `git receive-pack` that refuses thin packs (`--reject-thin-pack-for-testing`) and says so: git 2.39 does not
 * advertise `no-thin` itself, so the first advertisement line gets it appended.
 */
const NO_THIN_RECEIVE_PACK = `#!/usr/bin/env node
const { spawnSync } = require('node:child_process');
const [command, ...args] = process.argv.slice(2);
const run = spawnSync('git', [command, '--reject-thin-pack-for-testing', ...args], { stdio: ['inherit', 'pipe', 'inherit'], maxBuffer: 1 << 30 });
let out = run.stdout;
if (args.includes('--http-backend-info-refs')) {
  const length = parseInt(out.subarray(0, 4).toString(), 16);
  const first = Buffer.concat([out.subarray(4, length).toString().endsWith('\\n') ? out.subarray(4, length - 1) : out.subarray(4, length), Buffer.from(' no-thin\\n')]);
  out = Buffer.concat([Buffer.from((first.length + 4).toString(16).padStart(4, '0')), first, out.subarray(length)]);
}
process.stdout.write(out);
process.exitCode = run.status;
`;

describe('mirrorRepo pushing to a target that refuses thin packs (no-thin)', () => {
  const dir = suiteDir('mirror-push-no-thin-');
  const source = join(dir.path, 'source');
  const target = join(dir.path, 'target.git');
  const wrapper = join(dir.path, 'git-no-thin');
  const openClient = () => new ReceivePackClient(createLocalChannel(target, { gitPath: wrapper }, 'git-receive-pack'));

  beforeAll(() => {
    createSourceRepo(source);
    commitFile(source, 'big.txt', Array.from({ length: 2000 }, (_, index) => `line ${index}\n`).join(''));
    git(dir.path, 'init', '-q', '--bare', 'target.git');
    git(target, 'config', 'receive.unpackLimit', '1');
    writeFileSync(wrapper, NO_THIN_RECEIVE_PACK);
    chmodSync(wrapper, 0o755);
  });
  afterAll(() => dir.remove());

  it('asks the source for a self-contained pack', async () => {
    const transport = await openTransport(source);
    await mirrorRepo(transport, new GitServerTarget(openClient()));
    const base = git(source, 'rev-parse', 'develop').trim();
    commitFile(source, 'big.txt', `${Array.from({ length: 2000 }, (_, index) => `line ${index}\n`).join('')}one more\n`);
    const tip = git(source, 'rev-parse', 'develop').trim();

    const client = openClient();
    const { capabilities } = await client.listRefs();
    expect(capabilities.get('no-thin')).toBe(true);
    const thin = await transport.fetch({ wants: [tip], haves: [base], thin: true });
    const error = await client.push({ commands: [{ name: 'refs/heads/develop', oldOid: base, newOid: tip }], pack: thin }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PUSH_FAILED' });

    const result = await mirrorRepo(transport, new GitServerTarget(openClient()));
    expect(result.updated).toEqual(['refs/heads/develop']);
    expect(forEachRef(target)).toBe(forEachRef(source));
    git(target, 'fsck', '--full', '--strict', '--no-progress');
  });
});
