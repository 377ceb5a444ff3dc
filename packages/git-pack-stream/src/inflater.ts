import zlib from 'node:zlib';

/** The synchronous half of node:zlib's native binding, as `zlib.inflateSync` drives it. */
interface ZlibBinding {
  writeSync(
    flush: number,
    input: Uint8Array,
    inputOffset: number,
    inputLength: number,
    output: Uint8Array,
    outputOffset: number,
    outputLength: number,
  ): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

/**
 * A reusable, synchronous, incremental zlib inflater.
 *
 * Packs hold tens of thousands of short zlib streams back to back. `zlib.inflateSync` builds a
 * whole Transform stream per call, which costs more than inflating a typical object, and node:zlib
 * has no public synchronous incremental API. So this drives the native binding of a single
 * `zlib.Inflate` the same way `inflateSync` does internally, resetting it between streams.
 *
 * Every call leaves `consumed` and `produced` set. Callers detect the end of a stream by giving
 * the inflater room to spare: with output space left, zlib stops short of the input's end only
 * when the stream has ended.
 *
 * Failure modes: if a Node release drops these internals, the constructor throws at once (naming
 * the Node version) rather than inflating wrongly. A corrupt stream is not an exception:
 * {@link Inflater.inflate} returns false and leaves zlib's message in {@link Inflater.error}, so
 * anything it does throw is a real fault, never mistaken for bad input.
 */
export class Inflater {
  /** Input bytes taken by the last {@link Inflater.inflate} call. */
  consumed = 0;
  /** Output bytes written by the last {@link Inflater.inflate} call. */
  produced = 0;
  /** zlib's message when the last {@link Inflater.inflate} call found the stream corrupt. */
  error: string | undefined;
  readonly #binding: ZlibBinding;
  readonly #state: Uint32Array;

  constructor() {
    const engine = zlib.createInflate() as unknown as { _handle?: ZlibBinding; _writeState?: Uint32Array };
    const binding = engine._handle;
    const state = engine._writeState;
    if (typeof binding?.writeSync !== 'function' || typeof binding.reset !== 'function' || !(state instanceof Uint32Array) || state.length < 2) {
      throw new Error(
        `Inflater needs node:zlib's internal Inflate _handle.writeSync and _writeState, which Node ${process.version} does not have`,
      );
    }
    binding.onerror = (message) => {
      this.error = message;
    };
    this.#binding = binding;
    this.#state = state;
  }

  /** Starts a new zlib stream. */
  reset(): void {
    this.error = undefined;
    this.#binding.reset();
  }

  /**
   * Inflates `input[inputOffset, inputEnd)` into `output[outputOffset, outputEnd)`.
   * Returns false if the stream is corrupt ({@link Inflater.error} says how); call
   * {@link Inflater.reset} before the next stream.
   */
  inflate(input: Uint8Array, inputOffset: number, inputEnd: number, output: Uint8Array, outputOffset: number, outputEnd: number): boolean {
    const inputLength = inputEnd - inputOffset;
    const outputLength = outputEnd - outputOffset;
    this.#binding.writeSync(zlib.constants.Z_SYNC_FLUSH, input, inputOffset, inputLength, output, outputOffset, outputLength);
    if (this.error !== undefined) return false;
    this.produced = outputLength - this.#state[0]!;
    this.consumed = inputLength - this.#state[1]!;
    return true;
  }

  /** Releases the native zlib state. */
  close(): void {
    this.#binding.close();
  }
}

/**
 * Inflates a zlib stream already validated while the pack streamed in (read back from storage and
 * CRC-checked), which must yield exactly `size` bytes, into `output` (at least `size + 1` long).
 * Returns the `size` bytes, or undefined if the stream yields another size.
 */
export function inflateKnown(inflater: Inflater, input: Uint8Array, size: number, output: Uint8Array): Uint8Array | undefined {
  inflater.reset();
  const intact = inflater.inflate(input, 0, input.length, output, 0, output.length);
  return intact && inflater.produced === size ? output.subarray(0, size) : undefined;
}
