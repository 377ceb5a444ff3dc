import { iterateBytes, type ByteSource } from './byte-source.js';
import { PktLineError } from './errors.js';
import type { Packet } from './packet.js';
import { PacketParser } from './packet-parser.js';

/**
 * Reads pkt-lines from a byte stream, one at a time, so a caller can switch between protocol
 * phases on the same stream (advertisement, negotiation, side-band pack, raw pack via {@link rest}).
 *
 * The reader pulls from the source only when it needs bytes and never closes it on its own:
 * leaving a `for await` loop over the reader keeps the stream open for the next phase.
 * Call one method at a time (await each before the next).
 */
export class PktLineReader implements AsyncIterable<Packet> {
  readonly #parser = new PacketParser();
  readonly #source: AsyncIterator<Uint8Array, undefined>;
  #sourceDone = false;
  #sourceFailure: { error: unknown } | undefined;
  #detached = false;

  /** @param source the bytes to parse; see {@link ByteSource}. */
  constructor(source: ByteSource) {
    this.#source = iterateBytes(source);
  }

  /** Bytes consumed so far: all packets read, plus any bytes handed out by {@link rest}. */
  get offset(): number {
    return this.#parser.offset;
  }

  /**
   * Reads the next packet, or `null` at a clean end of stream (between packets).
   * @throws PktLineError on malformed framing, or `UNEXPECTED_EOF` if the stream ends inside a packet.
   */
  async read(): Promise<Packet | null> {
    if (this.#detached) throw new Error('PktLineReader: read() after rest() handed the stream over');
    for (;;) {
      const packet = this.#parser.next();
      if (packet !== undefined) return packet;
      if (!(await this.#pull())) {
        this.#parser.end();
        return null;
      }
    }
  }

  /**
   * Reads data packets up to and including the next flush and returns their payloads.
   * @throws PktLineError `UNEXPECTED_EOF` if the stream ends first, `UNEXPECTED_PACKET` on a delim or response-end.
   */
  async readUntilFlush(): Promise<Uint8Array[]> {
    const payloads: Uint8Array[] = [];
    for (;;) {
      const start = this.offset;
      const packet = await this.read();
      if (packet === null) {
        throw new PktLineError('UNEXPECTED_EOF', 'stream ended before the expected flush packet', start);
      }
      if (packet.kind === 'flush') return payloads;
      if (packet.kind !== 'data') {
        throw new PktLineError('UNEXPECTED_PACKET', `unexpected ${packet.kind} packet before a flush`, start);
      }
      payloads.push(packet.data);
    }
  }

  /**
   * Hands over the remaining raw bytes after the last packet read (e.g. a pack sent without
   * side-band). Afterwards {@link read} throws. Leaving the iteration early cancels the source.
   */
  rest(): AsyncIterable<Uint8Array> {
    this.#detached = true;
    return this.#remainingBytes();
  }

  /** Releases the underlying source (`return()` on its iterator, `cancel()` on a ReadableStream). */
  async cancel(): Promise<void> {
    if (this.#sourceDone) return;
    this.#sourceDone = true;
    await this.#source.return?.();
  }

  /** Yields packets until the end of stream. Breaking out of the loop leaves the source open. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Packet, void, undefined> {
    for (let packet = await this.read(); packet !== null; packet = await this.read()) yield packet;
  }

  async *#remainingBytes(): AsyncGenerator<Uint8Array, void, undefined> {
    let completed = false;
    try {
      do yield* this.#parser.takeBuffered();
      while (await this.#pull());
      completed = true;
    } finally {
      if (!completed) await this.cancel();
    }
  }

  async #pull(): Promise<boolean> {
    if (this.#sourceFailure) throw this.#sourceFailure.error;
    if (this.#sourceDone) return false;
    let result: IteratorResult<Uint8Array, undefined>;
    try {
      result = await this.#source.next();
    } catch (error) {
      this.#sourceFailure = { error };
      throw error;
    }
    const { done, value } = result;
    if (done) {
      this.#sourceDone = true;
      return false;
    }
    if (!(value instanceof Uint8Array)) {
      throw new TypeError(`PktLineReader: expected Uint8Array chunks, got ${typeof value}`);
    }
    this.#parser.push(value);
    return true;
  }
}
