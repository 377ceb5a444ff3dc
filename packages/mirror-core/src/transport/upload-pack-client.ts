import {
  demuxSideBand,
  encodeCommandRequest,
  encodePacket,
  FLUSH_PKT,
  ListingLimitError,
  parseLsRefs,
  parseRefAdvertisement,
  PktLineReader,
  ZERO_OID,
  type AdvertisedRef,
  type Packet,
} from '@gitmirror/git-pktline';
import { TransportError } from '../errors.js';
import type { Head } from '../dumb-repo/head.js';
import type { MirrorRef } from '../refs.js';
import { sanitizeServerText } from '../server-text.js';
import type { ServiceChannel } from './channel.js';
import { capPackObjects } from './pack-object-cap.js';
import { rethrowProtocolError, type ProtocolPeer } from './protocol-error.js';
import { DEFAULT_SOURCE_SHARE, formatShare, INDEX_BYTES_PER_OBJECT, planSourceLimits, type SourceLimits } from './source-limits.js';
import { DEFAULT_RATE_WINDOW_MS, enforceMinTransferRate } from './transfer-rate.js';
import type { FetchRequest, SourceRefs, Transport } from './transport.js';

/** The `agent=` capability value sent to servers. */
export const AGENT = 'gitmirror/0.0.0';

const decoder = new TextDecoder();

/** How a fetch's protocol failures name the source. */
const SERVER: ProtocolPeer = { who: 'server', reply: 'response', eofCode: 'CONNECTION_LOST' };

/** Options of {@link UploadPackClient}. */
export interface UploadPackClientOptions {
  /** Highest protocol version to ask for; `0` forces the v0/v1 protocol even with a v2 server. Default 2. */
  protocolVersion?: 0 | 2;
  /**
   * The repository's share of memory, which the limits below follow unless set ({@link planSourceLimits}). Default
   * 128 MiB, `mirrorRepo`'s default `memoryBudget`.
   */
  memoryBudget?: number;
  /** Most refs the source may list (advertisement or ls-refs). Default: what half of `memoryBudget` holds, 100,000 at least. */
  maxRefs?: number;
  /** Most bytes the source's ref listing may take. Default: the pkt-lines of `maxRefs` ordinary refs (86 bytes each). */
  maxAdvertisementBytes?: number;
  /** Most objects a fetched pack may declare. Default: as many as `memoryBudget` can index (150 bytes each at peak). */
  maxPackObjects?: number;
  /**
   * Bytes per second the pack must average, from its first byte, over each {@link minTransferRateWindow} of waiting
   * for the source, or the fetch fails with `TIMEOUT`. Default off: the idle `timeout` still ends a stalled download.
   */
  minTransferRate?: number;
  /** Milliseconds over which {@link minTransferRate} is averaged. Default 30 000. */
  minTransferRateWindow?: number;
}

/**
 * The fetch side of git's protocol (v2 with fallback to v0/v1) over a stateless {@link ServiceChannel}.
 * Negotiation is a single round: the haves are the mirror's ref tips, whose histories the mirror holds entirely.
 */
export class UploadPackClient implements Transport {
  readonly #channel: ServiceChannel;
  readonly #wantV2: boolean;
  readonly #options: UploadPackClientOptions;
  readonly #share: number;
  readonly #limits: SourceLimits;
  #capabilities?: Map<string, string | true>;
  #version?: 0 | 1 | 2;

  constructor(channel: ServiceChannel, options: UploadPackClientOptions = {}) {
    this.#channel = channel;
    this.#wantV2 = (options.protocolVersion ?? 2) === 2;
    this.#options = options;
    this.#share = options.memoryBudget ?? DEFAULT_SOURCE_SHARE;
    const derived = planSourceLimits(this.#share);
    this.#limits = {
      maxRefs: options.maxRefs ?? derived.maxRefs,
      maxAdvertisementBytes: options.maxAdvertisementBytes ?? derived.maxAdvertisementBytes,
      maxPackObjects: options.maxPackObjects ?? derived.maxPackObjects,
    };
  }

  get url(): string {
    return this.#channel.url;
  }

  async listRefs(options: { signal?: AbortSignal } = {}): Promise<SourceRefs> {
    const reader = new PktLineReader(await this.#channel.advertise({ protocolV2: this.#wantV2, signal: options.signal }));
    const advertisement = await parseRefAdvertisement(reader, { smartHttp: this.#channel.smartHttp, ...this.#listingLimits() })
      .catch((error: unknown) => this.#rethrowListing(error, 'reading the ref advertisement'))
      .finally(() => reader.cancel());
    this.#capabilities = advertisement.capabilities;
    this.#version = advertisement.version;
    if (advertisement.version === 2) return this.#lsRefs(options.signal);
    return { protocolVersion: advertisement.version, ...splitHead(advertisement.refs, advertisement.symrefs) };
  }

  async fetch(request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    if (this.#version === undefined) await this.listRefs({ signal: request.signal });
    if (request.wants.length === 0) throw new TypeError('fetch() needs at least one want');
    return this.#version === 2 ? this.#fetchV2(request) : this.#fetchV0(request);
  }

  async close(): Promise<void> {
    await this.#channel.close?.();
  }

  async #lsRefs(signal: AbortSignal | undefined): Promise<SourceRefs> {
    const lsRefs = this.#capabilities?.get('ls-refs');
    const args = ['symrefs', 'peel'];
    if (typeof lsRefs === 'string' && lsRefs.split(' ').includes('unborn')) args.push('unborn');
    const body = encodeCommandRequest({ command: 'ls-refs', capabilities: this.#commandCapabilities(), args });
    const reader = new PktLineReader(await this.#channel.request(body, { protocolV2: true, signal }));
    const refs = await parseLsRefs(reader, this.#listingLimits())
      .catch((error: unknown) => this.#rethrowListing(error, 'listing refs'))
      .finally(() => reader.cancel());
    return { protocolVersion: 2, ...splitHead(refs, new Map()) };
  }

  #listingLimits(): { maxRefs: number; maxBytes: number } {
    return { maxRefs: this.#limits.maxRefs, maxBytes: this.#limits.maxAdvertisementBytes };
  }

  /** A listing past its limits fails saying which limit it reached and what raises it. */
  #rethrowListing(error: unknown, doing: string): never {
    if (!(error instanceof ListingLimitError)) rethrowProtocolError(error, this.url, doing, SERVER);
    const [option, flag] = error.limit === 'maxRefs' ? (['maxRefs', '--max-refs'] as const) : (['maxAdvertisementBytes', '--max-advertisement'] as const);
    const remedy =
      this.#options[option] === undefined
        ? `the limit follows this repository's ${formatShare(this.#share)} share of memory: raise --max-memory (memoryBudget), or set ${flag} (${option})`
        : `raise ${flag} (${option}) if the source is genuine`;
    throw new TransportError('LIMIT_EXCEEDED', `${this.url}: ${error.message} while ${doing}; ${remedy}`, { cause: error });
  }

  #commandCapabilities(): string[] {
    const capabilities = [`agent=${AGENT}`];
    if (this.#capabilities?.has('object-format')) capabilities.push('object-format=sha1');
    return capabilities;
  }

  async #fetchV2(request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    const args = ['ofs-delta', ...(request.thin ? ['thin-pack'] : []), ...request.wants.map((oid) => `want ${oid}`), ...request.haves.map((oid) => `have ${oid}`), 'done'];
    const body = encodeCommandRequest({ command: 'fetch', capabilities: this.#commandCapabilities(), args });
    const limiter = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, limiter.signal]) : limiter.signal;
    const reader = new PktLineReader(await this.#channel.request(body, { protocolV2: true, signal }));
    await this.#readUntilPack(reader, (line) => line === 'packfile');
    return this.#guardPack(this.#packStream(reader, true, request), limiter);
  }

  async #fetchV0(request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    const capabilities = this.#capabilities ?? new Map();
    const sideBand = capabilities.has('side-band-64k') ? 'side-band-64k' : capabilities.has('side-band') ? 'side-band' : undefined;
    const wanted = ['multi_ack_detailed', sideBand, 'ofs-delta', request.thin ? 'thin-pack' : undefined, 'no-done'].filter(
      (name): name is string => name !== undefined && capabilities.has(name),
    );
    if (capabilities.has('agent')) wanted.push(`agent=${AGENT}`);
    const parts: Uint8Array[] = request.wants.map((oid, index) =>
      encodePacket(index === 0 ? `want ${oid} ${wanted.join(' ')}\n` : `want ${oid}\n`),
    );
    parts.push(FLUSH_PKT, ...request.haves.map((oid) => encodePacket(`have ${oid}\n`)), encodePacket('done\n'));
    const limiter = new AbortController();
    const signal = request.signal ? AbortSignal.any([request.signal, limiter.signal]) : limiter.signal;
    const reader = new PktLineReader(await this.#channel.request(Buffer.concat(parts), { protocolV2: false, signal }));
    await this.#readUntilPack(reader, (line) => {
      if (line === 'NAK' || /^ACK [0-9a-f]{40}$/.test(line)) return true;
      if (!line.startsWith('ACK ')) throw new TransportError('PROTOCOL_ERROR', `${this.url}: unexpected negotiation line ${JSON.stringify(line)}`);
      return false;
    });
    return this.#guardPack(this.#packStream(reader, sideBand !== undefined, request), limiter);
  }

  /**
   * Applies the pack limits: the declared object count, and the minimum rate, which aborts the request through
   * `limiter` so that a read waiting on a slow source ends at once.
   */
  #guardPack(pack: AsyncIterable<Uint8Array>, limiter: AbortController): AsyncIterable<Uint8Array> {
    const remedy =
      this.#options.maxPackObjects === undefined
        ? `indexing takes ${INDEX_BYTES_PER_OBJECT} bytes an object at peak, and the limit follows this repository's ${formatShare(this.#share)} share of memory: raise --max-memory (memoryBudget), or set maxPackObjects`
        : 'raise maxPackObjects if the source is genuine';
    const capped = capPackObjects(pack, this.#limits.maxPackObjects, this.url, remedy);
    const bytesPerSecond = this.#options.minTransferRate;
    if (!bytesPerSecond) return capped;
    const rate = { bytesPerSecond, windowMs: this.#options.minTransferRateWindow ?? DEFAULT_RATE_WINDOW_MS };
    return enforceMinTransferRate(capped, rate, this.url, (error) => limiter.abort(error));
  }

  /**
   * Reads the fetch response's lines up to the one `isLast` accepts, after which the pack follows; an `ERR` line
   * fails the fetch. On any failure the response is released (an ssh session or `upload-pack` process ends with it).
   */
  async #readUntilPack(reader: PktLineReader, isLast: (line: string) => boolean): Promise<void> {
    try {
      for (;;) {
        const packet = await reader.read().catch((error: unknown) => rethrowProtocolError(error, this.url, 'reading the fetch response', SERVER));
        if (!packet) throw new TransportError('CONNECTION_LOST', `${this.url}: the server closed the connection before sending a pack`);
        if (packet.kind !== 'data') continue;
        const line = textOf(packet.data);
        if (line.startsWith('ERR ')) throw remoteError(this.url, line.slice(4));
        if (isLast(line)) return;
      }
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    }
  }

  #packStream(reader: PktLineReader, sideBand: boolean, request: FetchRequest): AsyncIterable<Uint8Array> {
    const url = this.url;
    if (!sideBand) return reader.rest();
    async function* packetsUntilFlush(): AsyncGenerator<Packet> {
      for (;;) {
        const packet = await reader.read();
        if (!packet) throw new TransportError('CONNECTION_LOST', `${url}: the connection ended in the middle of the pack`);
        yield packet;
        if (packet.kind === 'flush') return;
      }
    }
    async function* pack(): AsyncGenerator<Uint8Array> {
      try {
        yield* demuxSideBand(packetsUntilFlush(), { onProgress: request.onProgress });
      } catch (error) {
        rethrowProtocolError(error, url, 'receiving the pack', SERVER);
      } finally {
        await reader.cancel().catch(() => {});
      }
    }
    return pack();
  }
}

function splitHead(advertised: readonly AdvertisedRef[], symrefs: ReadonlyMap<string, string>): { refs: MirrorRef[]; head?: Head } {
  const refs: MirrorRef[] = [];
  let head: Head | undefined;
  for (const ref of advertised) {
    if (ref.name === 'HEAD') {
      const target = ref.symrefTarget ?? symrefs.get('HEAD');
      if (target) head = { symref: target };
      else if (!ref.unborn && ref.oid !== ZERO_OID) head = { oid: ref.oid };
      continue;
    }
    if (ref.unborn || ref.oid === ZERO_OID) continue;
    refs.push(ref.peeled ? { name: ref.name, oid: ref.oid, peeled: ref.peeled } : { name: ref.name, oid: ref.oid });
  }
  const symrefHead = symrefs.get('HEAD');
  if (!head && symrefHead) head = { symref: symrefHead };
  return { refs, head };
}

function textOf(data: Uint8Array): string {
  const text = decoder.decode(data);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

function remoteError(url: string, message: string): TransportError {
  return new TransportError('REMOTE_ERROR', `${url}: the server reported an error: ${sanitizeServerText(message)}`);
}
