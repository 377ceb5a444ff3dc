import { serversRequired } from './s3-servers.js';

/** The OpenSSH server started by `tools/servers/sshd.sh`, as seen by tests. */
export interface SshTestServer {
  host: string;
  port: number;
  user: string;
  /** The client's private key file, authorized on the server. */
  keyFile: string;
  /** A known_hosts file holding the server's host key. */
  knownHostsFile: string;
}

/** The configured sshd, or the reason it is not available. */
export interface SshTestServerSlot {
  server?: SshTestServer;
  skipReason?: string;
}

/**
 * The sshd test server described by the environment (`GITMIRROR_SSHD_*`). When it is missing, the slot carries a skip
 * reason, or this throws when servers are required (`GITMIRROR_REQUIRE_SERVERS=1`).
 */
export function sshTestServer(env: NodeJS.ProcessEnv = process.env): SshTestServerSlot {
  const { GITMIRROR_SSHD_HOST: host, GITMIRROR_SSHD_PORT: port, GITMIRROR_SSHD_USER: user } = env;
  const { GITMIRROR_SSHD_KEY_FILE: keyFile, GITMIRROR_SSHD_KNOWN_HOSTS: knownHostsFile } = env;
  if (host && port && user && keyFile && knownHostsFile) {
    return { server: { host, port: Number(port), user, keyFile, knownHostsFile } };
  }
  const skipReason = 'GITMIRROR_SSHD_HOST/PORT/USER/KEY_FILE/KNOWN_HOSTS are not set (start it with tools/servers/sshd.sh start)';
  if (serversRequired(env)) throw new Error(`GITMIRROR_REQUIRE_SERVERS=1 but: ${skipReason}`);
  return { skipReason };
}

/** A `GIT_SSH_COMMAND` that logs in to the test server with its key, checking the host key against its known_hosts. */
export function gitSshCommand(server: SshTestServer): string {
  return `ssh -i '${server.keyFile}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile='${server.knownHostsFile}'`;
}
