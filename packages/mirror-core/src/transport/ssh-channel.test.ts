import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { createSourceRepo, forEachRef, git, showRefs, sshTestServer, suiteDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorRepo } from '../mirror-repo.js';
import { openTransport, type TransportOptions } from './open-transport.js';

const ssh = sshTestServer();

async function waitFor(condition: () => boolean): Promise<void> {
  for (let attempt = 0; !condition(); attempt++) {
    if (attempt === 100) throw new Error('timed out waiting for the ssh agent');
    await sleep(20);
  }
}

describe.skipIf(ssh.server === undefined)(`ssh sources${ssh.skipReason ? ` (skipped: ${ssh.skipReason})` : ''}`, () => {
  const dir = suiteDir('mirror-ssh-');
  const source = join(dir.path, 'source');
  const server = ssh.server!;
  const url = () => `ssh://${server.user}@${server.host}:${server.port}${source}`;
  const options = (overrides: TransportOptions['ssh'] = {}): TransportOptions => ({
    ssh: { identityFile: server.keyFile, knownHostsFile: server.knownHostsFile, agent: false, ...overrides },
  });

  /** Lists the refs of `repo` over a connection of its own, closed afterwards. */
  const listRefs = async (repo: string, transportOptions: TransportOptions) => {
    const transport = await openTransport(repo, transportOptions);
    try {
      return await transport.listRefs();
    } finally {
      await transport.close?.();
    }
  };

  beforeAll(() => createSourceRepo(source));
  afterAll(() => dir.remove());

  it('mirrors from sshd with protocol v2 (GIT_PROTOCOL) and with v0, into a folder', async () => {
    for (const protocolVersion of [2, 0] as const) {
      const target = join(dir.path, `mirror-v${protocolVersion}`);
      expect((await listRefs(url(), { ...options(), protocolVersion })).refs).toEqual(showRefs(source));
      const result = await mirrorRepo(url(), target, { ...options(), protocolVersion });
      expect(result.protocolVersion).toBe(protocolVersion);
      git(target, 'fsck', '--full', '--strict', '--no-progress');
      expect(forEachRef(target)).toBe(forEachRef(source));
    }
  });

  it('mirrors from sshd to sshd, the pack flowing from one session into the other', async () => {
    git(dir.path, 'init', '-q', '--bare', 'pushed.git');
    const target = join(dir.path, 'pushed.git');
    const result = await mirrorRepo(url(), `ssh://${server.user}@${server.host}:${server.port}${target}`, options());
    expect(result.protocolVersion).toBe(2);
    expect(forEachRef(target)).toBe(forEachRef(source));
    git(target, 'fsck', '--full', '--strict', '--no-progress');
  });

  it('accepts hashed known_hosts entries and refuses unknown, changed and revoked host keys', async () => {
    const hashed = join(dir.path, 'known_hosts_hashed');
    copyFileSync(server.knownHostsFile, hashed);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', hashed]);
    expect(readFileSync(hashed, 'utf8')).toMatch(/^\|1\|/);
    expect((await listRefs(url(), options({ knownHostsFile: hashed }))).refs).toEqual(showRefs(source));

    const empty = join(dir.path, 'known_hosts_empty');
    writeFileSync(empty, '');
    const unknown = await listRefs(url(), options({ knownHostsFile: empty })).catch((e: unknown) => e);
    expect(unknown).toMatchObject({ code: 'HOST_KEY_REJECTED', message: expect.stringContaining('is not in the known_hosts files') });
    expect((await listRefs(url(), options({ knownHostsFile: empty, strictHostKeyChecking: false }))).refs).toHaveLength(showRefs(source).length);

    const other = join(dir.path, 'other_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const changed = join(dir.path, 'known_hosts_changed');
    const [name] = readFileSync(server.knownHostsFile, 'utf8').split(' ');
    writeFileSync(changed, `${name} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const mismatch = await listRefs(url(), options({ knownHostsFile: changed, strictHostKeyChecking: false })).catch((e: unknown) => e);
    expect(mismatch).toMatchObject({ code: 'HOST_KEY_REJECTED', message: expect.stringContaining('does not match') });

    const revoked = join(dir.path, 'known_hosts_revoked');
    writeFileSync(revoked, `@revoked * ${readFileSync(server.knownHostsFile, 'utf8').split(' ').slice(1).join(' ')}${readFileSync(server.knownHostsFile, 'utf8')}`);
    const refused = await listRefs(url(), options({ knownHostsFile: revoked })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'HOST_KEY_REJECTED', message: expect.stringContaining('@revoked') });
  });

  it('logs in with a key held by an ssh agent', async () => {
    const socket = join(dir.path, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      await waitFor(() => existsSync(socket));
      execFileSync('ssh-add', ['-q', server.keyFile], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      expect((await listRefs(url(), options({ identityFile: [], agent: socket }))).refs).toEqual(showRefs(source));
      const noKey = await listRefs(url(), options({ identityFile: [], agent: false })).catch((e: unknown) => e);
      expect(noKey).toMatchObject({ code: 'AUTH_FAILED', message: expect.stringContaining('no ssh key') });
    } finally {
      agent.kill();
    }
  });

  it('reports a key the server refuses and a repository that does not exist', async () => {
    const stranger = join(dir.path, 'stranger_key');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', stranger]);
    const denied = await listRefs(url(), options({ identityFile: stranger })).catch((e: unknown) => e);
    expect(denied).toMatchObject({ code: 'AUTH_FAILED' });

    const missing = `ssh://${server.user}@${server.host}:${server.port}${join(dir.path, 'nothing-here.git')}`;
    const error = await listRefs(missing, options()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('does not appear to be a git repository') });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const refused = await listRefs(`ssh://${server.user}@127.0.0.1:${port}${source}`, options()).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'CONNECTION_LOST', message: expect.stringContaining('ECONNREFUSED') });
  });
});
