import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { deflateSync } from 'node:zlib';
import { DELIM_PKT, encodePacket, FLUSH_PKT } from '@gitmirror/git-pktline';

/** What the client sent: method, path with query, headers and the whole request body. */
export interface HostileRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** The client asked for protocol v2 (`Git-Protocol: version=2`). */
  protocolV2: boolean;
  body: Buffer;
}

/**
 * One response being scripted. Every write waits for the socket to drain, so an endless writer sends only as fast as
 * the client reads; once the client has gone (`signal` aborted) writes return false and do nothing.
 */
export interface HostileExchange {
  readonly request: HostileRequest;
  /** Aborted when the client closed its connection. */
  readonly signal: AbortSignal;
  /** Sends the status line and headers now (else the first write sends 200 with the service's content type). */
  head(status: number, headers?: Record<string, string>): void;
  /** Writes raw bytes. */
  write(bytes: Uint8Array | string): Promise<boolean>;
  /** Writes one data pkt-line. */
  packet(data: Uint8Array | string): Promise<boolean>;
  flush(): Promise<boolean>;
  delim(): Promise<boolean>;
  /** Writes `bytes` as side-band packets on `band` (1 pack, 2 progress, 3 fatal error), split to fit a pkt-line. */
  band(band: 1 | 2 | 3, bytes: Uint8Array | string): Promise<boolean>;
  /** Writes `bytes` `chunk` bytes at a time, waiting `intervalMs` between chunks. */
  drip(bytes: Uint8Array, chunk: number, intervalMs: number): Promise<boolean>;
  /** Writes `next(i)` for i = 0, 1, … until the client goes away or `next` returns undefined. */
  endless(next: (i: number) => Uint8Array | undefined): Promise<void>;
  sleep(ms: number): Promise<void>;
  /** Waits, sending nothing, until the client goes away. */
  hang(): Promise<void>;
  /** Cuts the connection without ending the response (no final chunk). */
  destroy(): void;
}

/** Scripts of the two smart-HTTP endpoints; a missing one answers 404. The response ends when the script returns. */
export interface HostileScript {
  /** `GET /info/refs?service=git-upload-pack`. */
  advertise?(exchange: HostileExchange): Promise<void>;
  /** `POST /git-upload-pack` (ls-refs and fetch for v2, fetch for v0): look at `request.body` to tell them apart. */
  uploadPack?(exchange: HostileExchange): Promise<void>;
}

/** A running hostile server: `url` is the repository URL to give a client. */
export interface HostileServer {
  url: string;
  requests: HostileRequest[];
  close(): Promise<void>;
}

const ADVERTISEMENT_TYPE = 'application/x-git-upload-pack-advertisement';
const RESULT_TYPE = 'application/x-git-upload-pack-result';

/**
 * A smart-HTTP git server on 127.0.0.1 (ephemeral port) that answers with whatever each test scripts, to check a
 * client against servers that lie, stall, drip or never end. Serves the repository at `<url>` = `http://…/repo`.
 */
export async function startHostileHttpServer(script: HostileScript): Promise<HostileServer> {
  const requests: HostileRequest[] = [];
  const server = createServer((incoming, response) => {
    void handle(incoming, response, script, requests).catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/repo`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function handle(incoming: IncomingMessage, response: ServerResponse, script: HostileScript, requests: HostileRequest[]): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const request: HostileRequest = {
    method: incoming.method ?? 'GET',
    url: incoming.url ?? '/',
    headers: incoming.headers,
    protocolV2: String(incoming.headers['git-protocol'] ?? '').includes('version=2'),
    body: Buffer.concat(chunks),
  };
  requests.push(request);
  const advertise = request.method === 'GET' && request.url === '/repo/info/refs?service=git-upload-pack';
  const run = advertise ? script.advertise : request.method === 'POST' && request.url === '/repo/git-upload-pack' ? script.uploadPack : undefined;
  if (!run) {
    response.writeHead(404).end();
    return;
  }
  const exchange = createExchange(request, response, advertise ? ADVERTISEMENT_TYPE : RESULT_TYPE);
  await run(exchange);
  if (!response.destroyed) response.end();
}

function createExchange(request: HostileRequest, response: ServerResponse, contentType: string): HostileExchange {
  const gone = new AbortController();
  response.on('close', () => gone.abort());
  const head = (status: number, headers: Record<string, string> = {}) => {
    if (!response.headersSent) response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-cache', ...headers });
  };
  const write = async (bytes: Uint8Array | string): Promise<boolean> => {
    if (gone.signal.aborted) return false;
    head(200);
    if (response.write(bytes)) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        response.off('drain', done);
        gone.signal.removeEventListener('abort', done);
        resolve();
      };
      response.on('drain', done);
      gone.signal.addEventListener('abort', done);
    });
    return !gone.signal.aborted;
  };
  const pause = (ms: number) => sleep(ms, undefined, { signal: gone.signal }).catch(() => {});
  return {
    request,
    signal: gone.signal,
    head,
    write,
    packet: (data) => write(encodePacket(data)),
    flush: () => write(FLUSH_PKT),
    delim: () => write(DELIM_PKT),
    band: async (band, bytes) => {
      const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
      for (let at = 0; at === 0 || at < data.length; at += MAX_BAND_PAYLOAD) {
        if (!(await write(sideBandPacket(band, data.subarray(at, at + MAX_BAND_PAYLOAD))))) return false;
      }
      return true;
    },
    drip: async (bytes, chunk, intervalMs) => {
      for (let at = 0; at < bytes.length; at += chunk) {
        if (at > 0) await pause(intervalMs);
        if (!(await write(bytes.subarray(at, at + chunk)))) return false;
      }
      return true;
    },
    endless: async (next) => {
      for (let i = 0; ; i++) {
        const bytes = next(i);
        if (bytes === undefined || !(await write(bytes))) return;
      }
    },
    sleep: pause,
    hang: () => new Promise<void>((resolve) => (gone.signal.aborted ? resolve() : gone.signal.addEventListener('abort', () => resolve()))),
    destroy: () => response.socket?.destroy(),
  };
}

/** Largest side-band payload that fits a pkt-line with its band byte. */
const MAX_BAND_PAYLOAD = 65515;

/** One side-band pkt-line: band byte, then `data`. */
export function sideBandPacket(band: 1 | 2 | 3, data: Uint8Array | string): Uint8Array {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  return encodePacket(Buffer.concat([Uint8Array.of(band), bytes]));
}

/** A ref a scripted server advertises. */
export interface ScriptedRef {
  name: string;
  oid: string;
}

/** The protocol v0 advertisement of `refs` with the smart-HTTP prelude, ending with its flush. */
export function v0Advertisement(refs: readonly ScriptedRef[], capabilities = 'multi_ack_detailed side-band-64k ofs-delta no-done agent=git/2.39.0'): Buffer {
  const lines = refs.map((ref, i) => encodePacket(`${ref.oid} ${ref.name}${i === 0 ? `\0${capabilities}` : ''}\n`));
  return Buffer.concat([encodePacket('# service=git-upload-pack\n'), FLUSH_PKT, ...lines, FLUSH_PKT]);
}

/** The protocol v2 capability advertisement (`version 2`, ls-refs, fetch), ending with its flush. */
export function v2Capabilities(): Buffer {
  const lines = ['version 2', 'agent=git/2.39.0', 'ls-refs=unborn', 'fetch=shallow', 'object-format=sha1'];
  return Buffer.concat([...lines.map((line) => encodePacket(`${line}\n`)), FLUSH_PKT]);
}

/** The ls-refs response listing `refs`, ending with its flush. */
export function lsRefsResponse(refs: readonly ScriptedRef[]): Buffer {
  return Buffer.concat([...refs.map((ref) => encodePacket(`${ref.oid} ${ref.name}\n`)), FLUSH_PKT]);
}

/** The start of a v2 fetch response: the `packfile` section header, after which band-1 packets carry the pack. */
export function v2PackfileSection(): Uint8Array {
  return encodePacket('packfile\n');
}

/** The v0 fetch response's negotiation end (`NAK`), after which the side-band pack follows. */
export function v0Nak(): Uint8Array {
  return encodePacket('NAK\n');
}

/** Whether a v2 request body is an `ls-refs` command (else it is `fetch`). */
export function isLsRefs(body: Buffer): boolean {
  return body.includes('command=ls-refs');
}

/** A pack header (`PACK`, version 2) declaring `count` objects. */
export function packHeader(count: number): Buffer {
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(2, 4);
  header.writeUInt32BE(count, 8);
  return header;
}

/** One non-delta blob entry holding `content`: its type-and-size header, then the zlib stream. */
export function blobEntry(content: Uint8Array | string): Buffer {
  const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  const header: number[] = [];
  let size = data.length;
  let byte = (3 << 4) | (size & 0x0f);
  size >>>= 4;
  while (size > 0) {
    header.push(byte | 0x80);
    byte = size & 0x7f;
    size >>>= 7;
  }
  header.push(byte);
  return Buffer.concat([Uint8Array.from(header), deflateSync(data)]);
}

/** A complete, valid pack of blobs: header, entries and SHA-1 trailer. */
export function blobPack(contents: readonly (Uint8Array | string)[]): Buffer {
  const body = Buffer.concat([packHeader(contents.length), ...contents.map(blobEntry)]);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/** The id git gives a blob holding `content`. */
export function blobId(content: Uint8Array | string): string {
  const data = typeof content === 'string' ? Buffer.from(content) : Buffer.from(content);
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}
