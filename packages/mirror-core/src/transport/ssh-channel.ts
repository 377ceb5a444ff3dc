import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { parseRefAdvertisement, PktLineReader, FLUSH_PKT } from '@gitmirror/git-pktline';
import type { AuthMethod, Client, ClientChannel, ConnectConfig, ServerHostKeyAlgorithm } from 'ssh2';
import { TransportError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { sanitizeServerText } from '../server-text.js';
import type { GitService, RequestBody, ServiceChannel } from './channel.js';
import { knownHostName, knownKeyTypes, parseKnownHosts, verifyHostKey, type HostKeyVerdict, type KnownHostLine } from './known-hosts.js';
import { parseSshUrl, remoteCommand, type SshLocation } from './ssh-url.js';

/** Options of ssh sources and targets. */
export interface SshOptions {
  /** Private key files to log in with; default the usual `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa` that exist. */
  identityFile?: string | readonly string[];
  /** Passphrase of encrypted key files (a secret: never shown). */
  passphrase?: string;
  /** ssh agent socket; default `SSH_AUTH_SOCK`; `false` to not use an agent. */
  agent?: string | false;
  /** known_hosts files holding the servers' keys; default `~/.ssh/known_hosts` and `~/.ssh/known_hosts2`. */
  knownHostsFile?: string | readonly string[];
  /**
   * Refuse servers whose key is not in the known_hosts files (default `true`, as `StrictHostKeyChecking=yes`).
   * `false` accepts any key but a revoked or mismatching one; meant for throwaway test servers only.
   */
  strictHostKeyChecking?: boolean;
  /** Milliseconds to wait for the connection and login. Default 20 000. */
  connectTimeout?: number;
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];
const HOST_KEY_ALGORITHMS: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const MAX_STDERR_BYTES = 16 * 1024;

/**
 * Opens git's protocol over ssh (`ssh://[user@]host[:port]/path` or `[user@]host:path`) through one ssh connection
 * per channel, made on first use: each call runs `git-upload-pack` / `git-receive-pack` in a session of its own, the
 * way smart HTTP makes one request per call. Protocol v2 is asked for with `GIT_PROTOCOL=version=2`. An idle
 * connection does not keep the process alive; `close()` ends it.
 */
export function createSshChannel(url: string, options: SshOptions = {}, service: GitService = 'git-upload-pack'): ServiceChannel {
  return new SshChannel(url, parseSshUrl(url), service, options);
}

class SshChannel implements ServiceChannel {
  readonly smartHttp = false;
  readonly url: string;
  readonly #location: SshLocation;
  readonly #service: GitService;
  readonly #options: SshOptions;
  #connection?: Promise<Connection>;
  #sessions = 0;

  constructor(url: string, location: SshLocation, service: GitService, options: SshOptions) {
    this.url = redactUrl(url);
    this.#location = location;
    this.#service = service;
    this.#options = options;
  }

  async advertise(options: { protocolV2: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>> {
    const session = await this.#exec(options.protocolV2, options.signal);
    session.channel.end(FLUSH_PKT);
    return this.#output(session, options.signal);
  }

  async request(body: RequestBody, options: { protocolV2: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>> {
    const session = await this.#exec(options.protocolV2, options.signal);
    const reader = new PktLineReader(this.#output(session, options.signal));
    await parseRefAdvertisement(reader).catch(async (error: unknown) => {
      await reader.cancel();
      throw error instanceof TransportError ? error : new TransportError('PROTOCOL_ERROR', `${this.url}: unexpected advertisement: ${sanitizeServerText((error as Error).message)}`, { cause: error });
    });
    writeBody(session.channel, body).catch((error: unknown) => {
      session.failure ??= { error };
      session.channel.destroy();
    });
    return reader.rest();
  }

  async close(): Promise<void> {
    const connection = this.#connection;
    this.#connection = undefined;
    (await connection?.catch(() => undefined))?.client.end();
  }

  async #exec(protocolV2: boolean, signal: AbortSignal | undefined): Promise<Session> {
    signal?.throwIfAborted();
    const { client, socket } = await this.#connected();
    const command = remoteCommand(this.#service, this.#location.path);
    const env = protocolV2 ? { GIT_PROTOCOL: 'version=2' } : {};
    this.#sessions++;
    socket.ref();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (--this.#sessions === 0) socket.unref();
    };
    const channel = await new Promise<ClientChannel>((resolve, reject) =>
      client.exec(command, { env }, (error, opened) => (error ? reject(this.#connectionError(error)) : resolve(opened))),
    ).catch((error: unknown) => {
      release();
      throw error;
    });
    channel.once('close', release);
    if (signal) {
      const abort = () => channel.destroy();
      signal.addEventListener('abort', abort, { once: true });
      channel.once('close', () => signal.removeEventListener('abort', abort));
    }
    const stderr: Buffer[] = [];
    let stderrBytes = 0;
    channel.stderr.on('data', (chunk: Buffer) => {
      if (stderrBytes < MAX_STDERR_BYTES) stderr.push(chunk);
      stderrBytes += chunk.length;
    });
    const exited = new Promise<number | undefined>((resolve) => {
      channel.once('exit', (code: number | null) => resolve(code ?? undefined));
      channel.once('close', () => resolve(undefined));
    });
    return { channel, release, exited, stderr: () => Buffer.concat(stderr).toString('utf8').trim() };
  }

  /** The session's stdout; fails with the remote's stderr when the command exits non-zero. */
  async *#output(session: Session, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
    const { channel } = session;
    try {
      for await (const chunk of channel) yield chunk as Uint8Array;
      if (session.failure) throw session.failure.error;
      signal?.throwIfAborted();
      const code = await session.exited;
      if (code === undefined) throw new TransportError('CONNECTION_LOST', `${this.url}: the ssh session closed before ${this.#service} exited`);
      if (code !== 0) {
        const message = session.stderr() || `exit code ${code}`;
        const notFound = message.includes('does not appear to be a git repository');
        throw new TransportError(notFound ? 'NOT_FOUND' : 'REMOTE_ERROR', `${this.url}: ${this.#service} failed on the server: ${sanitizeServerText(message)}`);
      }
    } catch (error) {
      if (session.failure) throw session.failure.error;
      signal?.throwIfAborted();
      // The request body's failure and the abort's reason are rethrown above; what is left is a TransportError of the
      // session's own or its channel failing (a Node stream error, coded or not), which is a lost session.
      if (error instanceof TransportError) throw error;
      throw new TransportError('CONNECTION_LOST', `${this.url}: the ssh session ended unexpectedly (${sanitizeServerText(error instanceof Error ? error.message : String(error))})`, { cause: error });
    } finally {
      channel.destroy();
      channel.resume();
      session.release();
    }
  }

  /** The connection sessions share, made on first use and made again after it failed or closed. */
  #connected(): Promise<Connection> {
    if (this.#connection) return this.#connection;
    const connection = this.#connect();
    const forget = () => {
      if (this.#connection === connection) this.#connection = undefined;
    };
    connection.then(({ client }) => client.once('close', forget), forget);
    return (this.#connection = connection);
  }

  /** Connects and logs in; the socket keeps the process alive only while a session is open. */
  async #connect(): Promise<Connection> {
    const { host, port } = this.#location;
    const username = this.#location.user ?? userInfo().username;
    const name = knownHostName(host, port);
    const ssh2 = (await import('ssh2')).default;
    const knownHosts = await readKnownHosts(this.#options.knownHostsFile);
    const strict = this.#options.strictHostKeyChecking ?? true;
    const preferred = knownKeyTypes(knownHosts, name).flatMap((type) => HOST_KEY_ALGORITHMS[type] ?? []);
    let verdict: HostKeyVerdict | undefined;
    const config: ConnectConfig = {
      host,
      port,
      username,
      readyTimeout: this.#options.connectTimeout ?? 20_000,
      authHandler: await this.#authMethods(username, ssh2.utils.parseKey),
      hostVerifier: (key: Buffer) => {
        verdict = verifyHostKey(knownHosts, name, key);
        return verdict === 'trusted' || (verdict === 'unknown' && !strict);
      },
      algorithms: preferred.length > 0 ? { serverHostKey: { remove: preferred, prepend: preferred, append: [] } } : undefined,
    };
    const socket = connect({ host, port });
    const client = new ssh2.Client();
    return new Promise((resolve, reject) => {
      client.on('error', (error) => reject(this.#connectionError(error, verdict, name)));
      client.once('ready', () => {
        if (this.#sessions === 0) socket.unref();
        resolve({ client, socket });
      });
      client.connect({ ...config, sock: socket });
    });
  }

  async #authMethods(username: string, parseKey: typeof import('ssh2').utils.parseKey): Promise<AuthMethod[]> {
    const configured = this.#options.identityFile;
    const files = configured === undefined ? DEFAULT_IDENTITIES.map((file) => join(homedir(), '.ssh', file)) : [configured].flat();
    const methods: AuthMethod[] = [];
    for (const file of files) {
      let key: Buffer;
      try {
        key = await readFile(file);
      } catch (error) {
        if (configured === undefined) continue;
        throw new TransportError('AUTH_FAILED', `${this.url}: cannot read the ssh key file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
      }
      const parsed = parseKey(key, this.#options.passphrase);
      if (parsed instanceof Error) {
        if (configured === undefined) continue;
        throw new TransportError('AUTH_FAILED', `${this.url}: cannot use the ssh key file ${file}: ${parsed.message}`);
      }
      methods.push({ type: 'publickey', username, key, passphrase: this.#options.passphrase } as AuthMethod);
    }
    const agent = this.#options.agent ?? process.env.SSH_AUTH_SOCK;
    if (agent) methods.push({ type: 'agent', username, agent } as AuthMethod);
    if (methods.length === 0) {
      throw new TransportError('AUTH_FAILED', `${this.url}: no ssh key to log in with: give a key file or run an ssh agent (SSH_AUTH_SOCK)`);
    }
    return methods;
  }

  #connectionError(error: Error & { level?: string; code?: string }, verdict?: HostKeyVerdict, name?: string): TransportError {
    if (error instanceof TransportError) return error;
    if (verdict !== undefined && verdict !== 'trusted' && !(verdict === 'unknown' && this.#options.strictHostKeyChecking === false)) {
      const reason =
        verdict === 'unknown'
          ? `is not in the known_hosts files; add it (e.g. ssh-keyscan${this.#location.port === 22 ? '' : ` -p ${this.#location.port}`} ${this.#location.host} >> ~/.ssh/known_hosts) after checking its fingerprint`
          : verdict === 'revoked'
            ? 'is marked @revoked in known_hosts'
            : 'does not match the one in known_hosts: the server key changed or someone is intercepting the connection';
      return new TransportError('HOST_KEY_REJECTED', `${this.url}: the host key of ${name} ${reason}`, { cause: error });
    }
    if (error.level === 'client-authentication') {
      return new TransportError('AUTH_FAILED', `${this.url}: the ssh server refused every key offered; check the key files and the ssh agent`, { cause: error });
    }
    if (error.level === 'client-timeout') return new TransportError('TIMEOUT', `${this.url}: timed out connecting over ssh`, { cause: error });
    return new TransportError('CONNECTION_LOST', `${this.url}: ssh connection failed (${sanitizeServerText(error.message)})`, { cause: error });
  }
}

/** A logged-in ssh connection and its socket. */
interface Connection {
  client: Client;
  socket: Socket;
}

/** One command's ssh session: its channel, its exit status and error output, why sending its request failed. */
interface Session {
  channel: ClientChannel;
  /** Stops counting the session as open (idempotent). */
  release(): void;
  /** The command's exit code, `undefined` when the session closed without one. */
  exited: Promise<number | undefined>;
  stderr(): string;
  failure?: { error: unknown };
}

async function readKnownHosts(configured: string | readonly string[] | undefined): Promise<KnownHostLine[]> {
  const files = configured === undefined ? ['known_hosts', 'known_hosts2'].map((file) => join(homedir(), '.ssh', file)) : [configured].flat();
  const lines: KnownHostLine[] = [];
  for (const file of files) {
    try {
      lines.push(...parseKnownHosts(await readFile(file, 'utf8')));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return lines;
}

/** Writes the request body into the session's stdin, waiting for the ssh window as it goes, then sends EOF. */
async function writeBody(channel: ClientChannel, body: RequestBody): Promise<void> {
  const chunks = body instanceof Uint8Array ? [body] : body;
  for await (const chunk of chunks) {
    if (!channel.write(chunk)) await drained(channel);
  }
  channel.end();
}

function drained(channel: ClientChannel): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      channel.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      channel.off('drain', onDrain);
      reject(new Error('the ssh session closed while sending the request'));
    };
    channel.once('drain', onDrain);
    channel.once('close', onClose);
  });
}
