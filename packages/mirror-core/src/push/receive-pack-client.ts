import { emptyPack } from '@gitmirror/git-pack-stream';
import { demuxSideBand, encodePacket, FLUSH_PKT, parseRefAdvertisement, PktLineReader, ZERO_OID } from '@gitmirror/git-pktline';
import { TransportError, type RefUpdateResult } from '../errors.js';
import type { MirrorRef } from '../refs.js';
import type { ServiceChannel } from '../transport/channel.js';
import { rethrowProtocolError, type ProtocolPeer } from '../transport/protocol-error.js';
import type { TransportProgress } from '../transport/transport.js';
import { AGENT } from '../transport/upload-pack-client.js';
import { readPushReport } from './push-report.js';

/** How a push's protocol failures name the target. */
const TARGET: ProtocolPeer = { who: 'target', reply: 'answer', eofCode: 'PUSH_FAILED' };

/** A target's refs and capabilities, from its receive-pack advertisement. */
export interface ReceivePackRefs {
  refs: MirrorRef[];
  /** Ids the target holds without a ref to them (`.have` lines: objects of its alternates). */
  extraHaves: string[];
  capabilities: ReadonlyMap<string, string | true>;
}

/** One ref update: `oldOid` is what the target holds (all-zero to create), `newOid` the new id (all-zero to delete). */
export interface RefCommand {
  name: string;
  oldOid: string;
  newOid: string;
}

/** What {@link ReceivePackClient.push} sends. */
export interface PushRequest {
  commands: readonly RefCommand[];
  /** The pack bytes, streamed into the request; required unless every command is a deletion. */
  pack?: AsyncIterable<Uint8Array>;
  /** All or nothing, when the target offers `atomic`. Default true. */
  atomic?: boolean;
  /** Progress and hook output of the target (side-band 2). */
  onProgress?: TransportProgress;
  signal?: AbortSignal;
}

/**
 * The push side of git's protocol over a stateless {@link ServiceChannel} to `git-receive-pack`: reads the target's
 * refs, then sends ref commands followed by a streamed pack and reads the target's per-ref report.
 */
export class ReceivePackClient {
  readonly #channel: ServiceChannel;
  #capabilities?: ReadonlyMap<string, string | true>;

  constructor(channel: ServiceChannel) {
    this.#channel = channel;
  }

  /** The target URL, credentials redacted. */
  get url(): string {
    return this.#channel.url;
  }

  /** Reads the target's refs and capabilities (receive-pack speaks protocol v0/v1 only). */
  async listRefs(options: { signal?: AbortSignal } = {}): Promise<ReceivePackRefs> {
    const reader = new PktLineReader(await this.#channel.advertise({ protocolV2: false, signal: options.signal }));
    const advertisement = await parseRefAdvertisement(reader, { smartHttp: this.#channel.smartHttp })
      .catch((error: unknown) => rethrowProtocolError(error, this.url, 'reading the ref advertisement', TARGET))
      .finally(() => reader.cancel());
    this.#capabilities = advertisement.capabilities;
    const refs: MirrorRef[] = [];
    const extraHaves: string[] = [];
    for (const ref of advertisement.refs) {
      if (ref.name === '.have') extraHaves.push(ref.oid);
      else if (ref.name.startsWith('refs/')) refs.push({ name: ref.name, oid: ref.oid });
    }
    return { refs, extraHaves, capabilities: advertisement.capabilities };
  }

  /**
   * Sends `commands` and the pack, and returns every command's outcome (refused refs carry the target's reason).
   * Deletions are refused locally when the target does not offer `delete-refs`.
   * @throws TransportError `PUSH_FAILED` when the target could not take the pack or sent no report.
   */
  async push(request: PushRequest): Promise<RefUpdateResult[]> {
    const capabilities = this.#capabilities ?? (await this.listRefs({ signal: request.signal })).capabilities;
    const canDelete = capabilities.has('delete-refs');
    const sent: RefCommand[] = [];
    const results = new Map<string, string | undefined>();
    for (const command of request.commands) {
      if (command.newOid !== ZERO_OID || canDelete) sent.push(command);
      else results.set(command.name, 'the target does not accept deletions (no delete-refs capability)');
    }
    if (sent.length > 0) {
      const report = await this.#send(sent, capabilities, request);
      for (const command of sent) results.set(command.name, report.has(command.name) ? report.get(command.name) : 'the target did not report this ref');
    }
    return request.commands.map((command) => {
      const reason = results.get(command.name);
      return reason === undefined ? { ...command, ok: true } : { ...command, ok: false, reason };
    });
  }

  /** Ends the connection kept between calls (ssh). */
  async close(): Promise<void> {
    await this.#channel.close?.();
  }

  async #send(commands: readonly RefCommand[], capabilities: ReadonlyMap<string, string | true>, request: PushRequest): Promise<Map<string, string | undefined>> {
    const sideBand = capabilities.has('side-band-64k');
    const wanted = [
      capabilities.has('report-status-v2') ? 'report-status-v2' : 'report-status',
      sideBand ? 'side-band-64k' : undefined,
      (request.atomic ?? true) && capabilities.has('atomic') ? 'atomic' : undefined,
      commands.some((command) => command.newOid === ZERO_OID) ? 'delete-refs' : undefined,
      capabilities.has('ofs-delta') ? 'ofs-delta' : undefined,
      capabilities.has('object-format') ? 'object-format=sha1' : undefined,
      capabilities.has('agent') ? `agent=${AGENT}` : undefined,
    ].filter((capability) => capability !== undefined);
    const lines = commands.map(({ name, oldOid, newOid }, index) =>
      encodePacket(index === 0 ? `${oldOid} ${newOid} ${name}\0${wanted.join(' ')}` : `${oldOid} ${newOid} ${name}`),
    );
    const head = Buffer.concat([...lines, FLUSH_PKT]);
    const pack = commands.some((command) => command.newOid !== ZERO_OID) ? (request.pack ?? [emptyPack()]) : undefined;
    async function* body(): AsyncGenerator<Uint8Array> {
      yield head;
      if (pack) yield* pack;
    }
    const response = await this.#channel.request(pack ? body() : head, { protocolV2: false, signal: request.signal });
    const outer = new PktLineReader(response);
    try {
      const reader = sideBand ? new PktLineReader(demuxSideBand(outer, { onProgress: request.onProgress })) : outer;
      const report = await readPushReport(reader).catch((error: unknown) => rethrowProtocolError(error, this.url, 'reading the push report', TARGET));
      if (report.unpackError !== undefined) {
        throw new TransportError('PUSH_FAILED', `${this.url}: the target could not store the pack: ${report.unpackError}`);
      }
      return report.refs;
    } finally {
      await outer.cancel().catch(() => {});
    }
  }
}
