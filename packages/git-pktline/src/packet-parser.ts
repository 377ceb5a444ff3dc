import { MAX_PACKET_SIZE } from './constants.js';
import { PktLineError } from './errors.js';
import { DELIM, FLUSH, RESPONSE_END, type Packet } from './packet.js';

/**
 * I/O-free pkt-line state machine. Feed it chunks with {@link PacketParser.push} and pull packets
 * with {@link PacketParser.next}; a packet inside one chunk comes out as a `subarray` view of that
 * chunk, a packet spanning chunks is copied once into a fresh buffer.
 */
export class PacketParser {
  readonly #chunks: Uint8Array[] = [];
  #buffered = 0;
  #offset = 0;

  /** Bytes consumed as packets (or handed out by {@link PacketParser.takeBuffered}) so far. */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes pushed but not yet consumed. */
  get buffered(): number {
    return this.#buffered;
  }

  /** Appends a chunk. The parser keeps a reference, so the caller must not reuse its memory. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /**
   * Returns the next complete packet, or `undefined` when more bytes are needed.
   * A malformed length throws without consuming anything, so the error repeats on the next call.
   * @throws PktLineError `BAD_LENGTH`, `RESERVED_LENGTH` or `PACKET_TOO_LONG`.
   */
  next(): Packet | undefined {
    if (this.#buffered < 4) return undefined;
    const length = this.#peekLength();
    if (length < 4) {
      this.#skip(4);
      return length === 0 ? FLUSH : length === 1 ? DELIM : RESPONSE_END;
    }
    if (this.#buffered < length) return undefined;
    this.#skip(4);
    return { kind: 'data', data: this.#consume(length - 4) };
  }

  /**
   * Declares the end of input.
   * @throws PktLineError `UNEXPECTED_EOF` if a partial packet is still buffered.
   */
  end(): void {
    if (this.#buffered === 0) return;
    throw new PktLineError(
      'UNEXPECTED_EOF',
      `stream ended inside a pkt-line (${this.#buffered} byte${this.#buffered === 1 ? '' : 's'} of an incomplete packet)`,
      this.#offset,
    );
  }

  /** Removes and returns the buffered, unparsed bytes as views of the pushed chunks. */
  takeBuffered(): Uint8Array[] {
    const chunks = this.#chunks.splice(0);
    this.#offset += this.#buffered;
    this.#buffered = 0;
    return chunks;
  }

  #peekLength(): number {
    const first = this.#chunks[0];
    const header =
      first.length >= 4 ? first : Uint8Array.of(this.#byteAt(0), this.#byteAt(1), this.#byteAt(2), this.#byteAt(3));
    let length = 0;
    for (let i = 0; i < 4; i++) {
      const digit = hexValue(header[i]);
      if (digit < 0) {
        const text = JSON.stringify(String.fromCharCode(header[0], header[1], header[2], header[3]));
        throw new PktLineError('BAD_LENGTH', `pkt-line length ${text} is not 4 hexadecimal digits`, this.#offset);
      }
      length = length * 16 + digit;
    }
    if (length === 3) {
      throw new PktLineError('RESERVED_LENGTH', 'pkt-line length 0003 is invalid (a data packet needs at least 4)', this.#offset);
    }
    if (length > MAX_PACKET_SIZE) {
      throw new PktLineError(
        'PACKET_TOO_LONG',
        `pkt-line length ${length} exceeds the maximum of ${MAX_PACKET_SIZE}`,
        this.#offset,
      );
    }
    return length;
  }

  #byteAt(index: number): number {
    for (const chunk of this.#chunks) {
      if (index < chunk.length) return chunk[index];
      index -= chunk.length;
    }
    throw new RangeError('byteAt past the buffered bytes');
  }

  #skip(n: number): void {
    this.#buffered -= n;
    this.#offset += n;
    while (n > 0) {
      const chunk = this.#chunks[0];
      if (chunk.length > n) {
        this.#chunks[0] = chunk.subarray(n);
        return;
      }
      n -= chunk.length;
      this.#chunks.shift();
    }
  }

  #consume(n: number): Uint8Array {
    const chunk = this.#chunks[0];
    if (n === 0) return new Uint8Array(0);
    this.#buffered -= n;
    this.#offset += n;
    if (chunk.length >= n) {
      if (chunk.length === n) this.#chunks.shift();
      else this.#chunks[0] = chunk.subarray(n);
      return chunk.subarray(0, n);
    }
    const copy = new Uint8Array(n);
    let filled = 0;
    let used = 0;
    while (filled < n) {
      const next = this.#chunks[used];
      const take = Math.min(next.length, n - filled);
      copy.set(take === next.length ? next : next.subarray(0, take), filled);
      filled += take;
      if (take === next.length) used++;
      else this.#chunks[used] = next.subarray(take);
    }
    this.#chunks.splice(0, used);
    return copy;
  }
}

/** Value of one ASCII hex digit (either case, as git accepts), or -1. */
function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return -1;
}
