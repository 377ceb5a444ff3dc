import { describe, expect, it } from 'vitest';
import { gitSshCommand, sshTestServer } from './ssh-server.js';
import { createBareRepo, forEachRef } from './git-fixtures.js';
import { gitAsync, runGit } from './git-run.js';
import { tempDir } from './temp-dir.js';

const { server, skipReason } = sshTestServer();

describe('sshTestServer', () => {
  it('reads the server from the environment, or explains what is missing', () => {
    const env = {
      GITMIRROR_SSHD_HOST: '127.0.0.1',
      GITMIRROR_SSHD_PORT: '2222',
      GITMIRROR_SSHD_USER: 'git',
      GITMIRROR_SSHD_KEY_FILE: '/k',
      GITMIRROR_SSHD_KNOWN_HOSTS: '/kh',
    };
    expect(sshTestServer(env)).toEqual({ server: { host: '127.0.0.1', port: 2222, user: 'git', keyFile: '/k', knownHostsFile: '/kh' } });
    expect(sshTestServer({}).skipReason).toContain('tools/servers/sshd.sh start');
    expect(() => sshTestServer({ GITMIRROR_REQUIRE_SERVERS: '1' })).toThrow(/GITMIRROR_SSHD_HOST/);
  });
});

describe.skipIf(!server)(`sshd${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it.each([2, 0] as const)('serves stock git over ssh with protocol v%i', async (version) => {
    const dir = tempDir();
    try {
      const source = `${dir.path}/source.git`;
      createBareRepo(source, 1024);
      const url = `ssh://${server!.user}@${server!.host}:${server!.port}${source}`;
      const env = { GIT_SSH_COMMAND: gitSshCommand(server!), GIT_TRACE_PACKET: '1' };
      const { stdout, stderr } = await runGit(['-c', `protocol.version=${version}`, 'ls-remote', url], { env });
      expect(stdout.toString()).toBe(await gitAsync(dir.path, 'ls-remote', source));
      expect(/packet: +ls-remote< version 2$/m.test(stderr)).toBe(version === 2);

      const clone = `${dir.path}/clone.git`;
      await runGit(['-c', `protocol.version=${version}`, 'clone', '-q', '--mirror', url, clone], { env: { GIT_SSH_COMMAND: env.GIT_SSH_COMMAND } });
      expect(forEachRef(clone)).toBe(forEachRef(source));
    } finally {
      dir.remove();
    }
  });
});
