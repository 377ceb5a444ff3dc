import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { TransportError } from '../errors.js';
import { createSshChannel } from './ssh-channel.js';

/** The error every session's channel stream fails with. */
const session = vi.hoisted(() => ({ error: new Error('unset') }));

/** An ssh client that logs in at once and runs every command in a channel that fails with `session.error`. */
vi.mock('ssh2', async () => {
  const { EventEmitter } = await import('node:events');
  const { Duplex, PassThrough } = await import('node:stream');
  class Client extends EventEmitter {
    #sock?: { destroy(): void };
    connect(config: { sock: { destroy(): void } }): void {
      this.#sock = config.sock;
      setImmediate(() => this.emit('ready'));
    }
    exec(_command: string, _options: unknown, callback: (error: Error | undefined, channel: object) => void): void {
      const channel = Object.assign(new Duplex({ read() {}, write: (_chunk, _encoding, done) => done() }), { stderr: new PassThrough() });
      callback(undefined, channel);
      setImmediate(() => channel.destroy(session.error));
    }
    end(): void {
      this.#sock?.destroy();
    }
  }
  return { default: { Client, utils: { parseKey: () => ({}) } } };
});

/** Accepts the TCP connection the channel opens before handing it to the (fake) ssh client. */
let listener: Server;
beforeAll(async () => {
  listener = createServer((socket) => socket.on('error', () => {}));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => listener.close(() => resolve())));

it("turns the session's stream failing, with a Node error code or without, into CONNECTION_LOST", async () => {
  const { port } = listener.address() as AddressInfo;
  const url = `ssh://git@127.0.0.1:${port}/repo.git`;
  for (const error of [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), new Error('channel broke')]) {
    session.error = error;
    const channel = createSshChannel(url, { identityFile: [], agent: '/nonexistent/agent.sock', knownHostsFile: '/nonexistent/known_hosts' });
    try {
      const output = await channel.advertise({ protocolV2: false });
      const failure = await (async () => {
        for await (const _ of output);
      })().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(TransportError);
      expect(failure).toMatchObject({ code: 'CONNECTION_LOST', message: `${url}: the ssh session ended unexpectedly (${error.message})`, cause: error });
    } finally {
      await channel.close?.();
    }
  }
});
