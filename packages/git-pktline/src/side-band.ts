import { PktLineError, RemoteError, SideBandError } from './errors.js';
import { decodeMessage, isErrLine, type Packet } from './packet.js';
import { PktLineReader } from './reader.js';

/** Options for {@link demuxSideBand} and {@link demuxSideBandPackets}. */
export interface SideBandOptions {
  /**
   * Receives band-2 progress text, one line at a time without its `\r` or `\n` terminator
   * (git ends in-place updates with `\r`); partial lines are joined across packets.
   */
  onProgress?: (message: string) => void;
  /** {@link demuxSideBand} only: end at the first flush packet (default `true`); otherwise flushes are skipped. */
  stopAtFlush?: boolean;
}

const BAND_DATA = 1;
const BAND_PROGRESS = 2;
const BAND_ERROR = 3;

/**
 * Demultiplexes a side-band stream (`side-band`, `side-band-64k`, or a v2 `packfile` section) and
 * yields the band-1 payloads as views, without copying. Band 2 goes to `onProgress`; band 3 throws.
 *
 * Ends at the first flush (unless `stopAtFlush` is `false`), at a response-end, or at the end of
 * stream; delim packets are skipped. The packet source is left open for the caller.
 * @throws SideBandError with the server's message on band 3; RemoteError on an `ERR` packet;
 *   PktLineError `UNKNOWN_BAND` or `MISSING_BAND` on a packet without a valid band designator.
 */
export async function* demuxSideBand(
  source: PktLineReader | AsyncIterable<Packet>,
  options: SideBandOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const stopAtFlush = options.stopAtFlush ?? true;
  for await (const packet of demuxSideBandPackets(source, options)) {
    if (packet.kind === 'data') {
      if (packet.data.length > 0) yield packet.data;
    } else if (packet.kind === 'response-end' || (packet.kind === 'flush' && stopAtFlush)) {
      return;
    }
  }
}

/**
 * Demultiplexes a whole `sideband-all` response (protocol v2 fetch), where every data pkt-line,
 * section headers included, carries a band designator. Yields each band-1 payload as a data packet
 * (the band byte stripped, still a view) and passes flush, delim and response-end through, so the
 * output reads like the plain v2 response. Runs to the end of the stream.
 * @throws as {@link demuxSideBand}.
 */
export async function* demuxSideBandPackets(
  source: PktLineReader | AsyncIterable<Packet>,
  options: Pick<SideBandOptions, 'onProgress'> = {},
): AsyncGenerator<Packet, void, undefined> {
  const progress = options.onProgress ? new ProgressLines(options.onProgress) : undefined;
  const next = packetPuller(source);
  try {
    for (;;) {
      const start = source instanceof PktLineReader ? source.offset : -1;
      const packet = await next();
      if (packet === null) return;
      if (packet.kind !== 'data') {
        yield packet;
        continue;
      }
      const { data } = packet;
      if (data.length === 0) {
        throw new PktLineError('MISSING_BAND', 'empty pkt-line where a side-band designator was expected', start);
      }
      switch (data[0]) {
        case BAND_DATA:
          yield { kind: 'data', data: data.subarray(1) };
          break;
        case BAND_PROGRESS:
          progress?.push(data.subarray(1));
          break;
        case BAND_ERROR:
          progress?.end();
          throw new SideBandError(decodeMessage(data.subarray(1)));
        default:
          if (isErrLine(data)) throw new RemoteError(decodeMessage(data.subarray(4)));
          throw new PktLineError('UNKNOWN_BAND', `unknown side-band designator ${data[0]}`, start);
      }
    }
  } finally {
    progress?.end();
  }
}

/** Pulls packets one by one without ever closing the source (no `return()` on its iterator). */
function packetPuller(source: PktLineReader | AsyncIterable<Packet>): () => Promise<Packet | null> {
  if (source instanceof PktLineReader) return () => source.read();
  const iterator = source[Symbol.asyncIterator]();
  return async () => {
    const result = await iterator.next();
    return result.done ? null : result.value;
  };
}

/** Splits band-2 text into lines at `\r` and `\n`, keeping an unfinished line for the next packet. */
class ProgressLines {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #emit: (message: string) => void;
  #pending = '';

  constructor(emit: (message: string) => void) {
    this.#emit = emit;
  }

  push(bytes: Uint8Array): void {
    const lines = (this.#pending + this.#decoder.decode(bytes, { stream: true })).split(/[\r\n]/);
    this.#pending = lines.pop() ?? '';
    for (const line of lines) if (line !== '') this.#emit(line);
  }

  end(): void {
    const rest = this.#pending + this.#decoder.decode();
    this.#pending = '';
    if (rest !== '') this.#emit(rest);
  }
}
