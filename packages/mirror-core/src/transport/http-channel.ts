import { setTimeout as sleep } from 'node:timers/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { request, type Dispatcher } from 'undici';
import { InvalidUrlError, TransportError, type MirrorErrorCode } from '../errors.js';
import { redactSecrets, redactUrl } from '../redact.js';
import type { GitService, RequestBody, ServiceChannel } from './channel.js';
import { decodeUrlPart } from './decode-url-part.js';
import { readNetrcCredentials } from './netrc.js';
import { AGENT } from './upload-pack-client.js';

/** Options of smart HTTP sources. */
export interface HttpOptions {
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }`; their values are treated as secrets. */
  headers?: Record<string, string>;
  /** Look up credentials in a `.netrc` file when the URL has none: `true` for `~/.netrc` (default), a path, or `false`. */
  netrc?: boolean | string;
  /** Milliseconds to wait for response headers and between body chunks. Default 120 000. */
  timeout?: number;
  /** Retries of a request answered with 429 or 5xx, or failing to connect, before the pack starts. Default 3. */
  retries?: number;
  /** First retry delay in milliseconds, doubled on each retry. Default 500. */
  retryDelay?: number;
  /** undici dispatcher (agent, proxy) to send requests through. */
  dispatcher?: Dispatcher;
}

const MAX_REDIRECTS = 5;
const MAX_RETRY_AFTER_MS = 30_000;
const RETRIABLE_NETWORK_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT_ERRORS = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Opens git's smart HTTP protocol on `url` (`http(s)://[user:password@]host/path`): `GET info/refs?service=…` then
 * `POST <service>`, following redirects, decompressing gzip and retrying 429/5xx with backoff.
 */
export async function createHttpChannel(url: string, options: HttpOptions = {}, service: GitService = 'git-upload-pack'): Promise<ServiceChannel> {
  const parsed = parseHttpUrl(url);
  const headers: Record<string, string> = { 'user-agent': `git/${AGENT}`, 'accept-encoding': 'gzip', ...lowerCaseKeys(options.headers ?? {}) };
  const secrets = Object.values(options.headers ?? {});
  let login = decodeUrlPart(parsed.username, url);
  let password = decodeUrlPart(parsed.password, url);
  if (!login && !password && options.netrc !== false) {
    const credentials = await readNetrcCredentials(parsed.hostname, typeof options.netrc === 'string' ? options.netrc : undefined);
    if (credentials) ({ login, password } = credentials);
  }
  if ((login || password) && !headers.authorization) {
    headers.authorization = `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
    secrets.push(password, headers.authorization);
  }
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  return new HttpChannel(service, parsed.href.replace(/\/+$/, ''), redactUrl(url), headers, secrets.filter(Boolean), options);
}

/** Parses an http(s) URL; a password with an unencoded `#`, `/`, `?` or `@` is the usual reason one does not parse. */
function parseHttpUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new InvalidUrlError(`Invalid URL ${redactUrl(url)}: check the host and port, and percent-encode special characters of a user or password (# as %23, / as %2F, ? as %3F, @ as %40)`);
  }
}

class HttpChannel implements ServiceChannel {
  readonly smartHttp = true;
  readonly url: string;
  readonly #service: GitService;
  readonly #origin: string;
  #base: string;
  readonly #headers: Record<string, string>;
  readonly #secrets: string[];
  readonly #options: HttpOptions;

  constructor(service: GitService, base: string, redactedUrl: string, headers: Record<string, string>, secrets: string[], options: HttpOptions) {
    this.#service = service;
    this.#origin = new URL(base).origin;
    this.#base = base;
    this.url = redactedUrl;
    this.#headers = headers;
    this.#secrets = secrets;
    this.#options = options;
  }

  async advertise(options: { protocolV2: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>> {
    const path = `/info/refs?service=${this.#service}`;
    const { response, finalUrl } = await this.#send('GET', this.#base + path, undefined, options);
    if (finalUrl.endsWith(path)) this.#base = finalUrl.slice(0, -path.length);
    this.#expectContentType(response, `application/x-${this.#service}-advertisement`);
    return this.#body(response, options.signal);
  }

  async request(body: RequestBody, options: { protocolV2: boolean; signal?: AbortSignal }): Promise<AsyncIterable<Uint8Array>> {
    const { response } = await this.#send('POST', `${this.#base}/${this.#service}`, body, options);
    this.#expectContentType(response, `application/x-${this.#service}-result`);
    return this.#body(response, options.signal);
  }

  async #send(
    method: 'GET' | 'POST',
    url: string,
    body: RequestBody | undefined,
    options: { protocolV2: boolean; signal?: AbortSignal },
  ): Promise<{ response: Dispatcher.ResponseData; finalUrl: string }> {
    const timeout = this.#options.timeout ?? 120_000;
    const replayable = body === undefined || body instanceof Uint8Array;
    const retries = replayable ? (this.#options.retries ?? 3) : 0;
    const retryDelay = this.#options.retryDelay ?? 500;
    const protocolHeaders: Record<string, string> = options.protocolV2 ? { 'git-protocol': 'version=2' } : {};
    if (body) Object.assign(protocolHeaders, { 'content-type': `application/x-${this.#service}-request`, accept: `application/x-${this.#service}-result` });
    let target = url;
    let redirects = 0;
    for (let attempt = 0; ; ) {
      let response: Dispatcher.ResponseData;
      try {
        response = await request(target, {
          method,
          headers: { ...this.#headersFor(target), ...protocolHeaders },
          body: replayable ? body : Readable.from(body, { objectMode: false }),
          headersTimeout: timeout,
          bodyTimeout: timeout,
          signal: options.signal,
          dispatcher: this.#options.dispatcher,
        });
      } catch (error) {
        options.signal?.throwIfAborted();
        const code = (error as { code?: string }).code ?? '';
        if (attempt < retries && RETRIABLE_NETWORK_ERRORS.has(code)) {
          await sleep(retryDelay * 2 ** attempt++, undefined, { signal: options.signal });
          continue;
        }
        throw this.#networkError(error, `sending the ${method} request`);
      }
      const status = response.statusCode;
      const location = response.headers.location;
      if (status >= 300 && status < 400 && typeof location === 'string') {
        await response.body.dump();
        if (++redirects > MAX_REDIRECTS) throw new TransportError('HTTP_ERROR', `${this.url}: too many redirects`, { status });
        if (method === 'POST' && ((status !== 307 && status !== 308) || !replayable)) {
          throw new TransportError('HTTP_ERROR', `${this.url}: the server redirected a POST with status ${status}`, { status });
        }
        target = new URL(location, target).href;
        continue;
      }
      if ((status === 429 || status >= 500) && attempt < retries) {
        await response.body.dump();
        const delay = retryAfterMs(response.headers['retry-after']) ?? retryDelay * 2 ** attempt;
        attempt++;
        await sleep(delay, undefined, { signal: options.signal });
        continue;
      }
      if (status >= 400) {
        await response.body.dump();
        throw this.#statusError(status, method);
      }
      return { response, finalUrl: target };
    }
  }

  /** The headers for a request to `target`: credentials and extra headers go only to the source URL's origin. */
  #headersFor(target: string): Record<string, string> {
    if (new URL(target).origin === this.#origin) return this.#headers;
    const dropped = new Set(['authorization', ...Object.keys(this.#options.headers ?? {}).map((name) => name.toLowerCase())]);
    return Object.fromEntries(Object.entries(this.#headers).filter(([name]) => !dropped.has(name)));
  }

  #expectContentType(response: Dispatcher.ResponseData, expected: string): void {
    const contentType = String(response.headers['content-type'] ?? '').split(';')[0].trim();
    if (contentType !== expected) {
      response.body.on('error', () => {}).destroy(); // undici reports destroying an unread body as an abort
      throw new TransportError(
        'NOT_SMART_SERVER',
        `${this.url}: expected ${expected} but the server sent ${contentType || 'no content type'}; is this a smart git HTTP server?`,
      );
    }
  }

  #body(response: Dispatcher.ResponseData, signal: AbortSignal | undefined): AsyncIterable<Uint8Array> {
    const encoding = String(response.headers['content-encoding'] ?? '').trim().toLowerCase();
    const stream = encoding === 'gzip' || encoding === 'x-gzip' ? response.body.pipe(createGunzip()) : response.body;
    if (stream !== response.body) response.body.on('error', (error) => stream.destroy(error));
    const describe = (error: unknown) => this.#networkError(error, 'reading the response');
    return (async function* guarded() {
      try {
        for await (const chunk of stream) yield chunk as Uint8Array;
      } catch (error) {
        signal?.throwIfAborted();
        throw describe(error);
      } finally {
        response.body.destroy();
      }
    })();
  }

  #statusError(status: number, method: string): TransportError {
    const [code, hint]: [MirrorErrorCode, string] =
      status === 401 || status === 403
        ? ['AUTH_FAILED', 'check the credentials (URL user:password, .netrc or headers)']
        : status === 404
          ? ['NOT_FOUND', 'check the repository URL']
          : ['HTTP_ERROR', 'the server failed'];
    return new TransportError(code, `${this.url}: ${method} answered HTTP ${status}; ${hint}`, { status });
  }

  #networkError(error: unknown, doing: string): TransportError {
    const code = (error as { code?: string }).code ?? '';
    const reason = redactSecrets((error as Error).message ?? String(error), this.#secrets);
    if (TIMEOUT_ERRORS.has(code)) return new TransportError('TIMEOUT', `${this.url}: timed out while ${doing} (${reason})`, { cause: error });
    return new TransportError('CONNECTION_LOST', `${this.url}: the connection ended while ${doing} (${reason})`, { cause: error });
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const seconds = Number(Array.isArray(value) ? value[0] : value);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS) : undefined;
}
