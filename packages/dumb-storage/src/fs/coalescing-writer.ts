import type { FileHandle } from 'node:fs/promises';
import { writeFully } from './durable-files.js';

/** Bytes the filesystem sink gathers per write by default: one fs call per MiB, not per network chunk. */
export const DEFAULT_WRITE_BUFFER_SIZE = 1024 * 1024;

/**
 * Appends chunks to a file through one buffer of `size` bytes, allocated on the first chunk smaller than it: small
 * chunks are copied in and written when the buffer fills, a chunk at least as large as the buffer is written as it is
 * (after what the buffer holds). `flush` writes the rest; a writer that fails or is dropped leaves only what it wrote.
 */
export class CoalescingWriter {
  readonly #handle: FileHandle;
  readonly #size: number;
  #buffer: Uint8Array | undefined;
  #filled = 0;

  constructor(handle: FileHandle, size: number) {
    this.#handle = handle;
    this.#size = size;
  }

  /** Appends `chunk`; resolves once the buffer can take more (after a write when it filled). */
  async write(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength >= this.#size) {
      await this.flush();
      await writeFully(this.#handle, chunk);
      return;
    }
    this.#buffer ??= Buffer.allocUnsafeSlow(this.#size);
    const take = Math.min(this.#size - this.#filled, chunk.byteLength);
    this.#buffer.set(take === chunk.byteLength ? chunk : chunk.subarray(0, take), this.#filled);
    this.#filled += take;
    if (this.#filled < this.#size) return;
    await this.flush();
    if (take < chunk.byteLength) {
      this.#buffer.set(chunk.subarray(take), 0);
      this.#filled = chunk.byteLength - take;
    }
  }

  /** Writes what the buffer holds. */
  async flush(): Promise<void> {
    if (this.#filled === 0 || !this.#buffer) return;
    const length = this.#filled;
    this.#filled = 0;
    await writeFully(this.#handle, this.#buffer.subarray(0, length));
  }
}
