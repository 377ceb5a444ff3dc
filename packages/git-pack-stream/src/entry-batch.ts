/** Entries on their way to a stream resolver worker: a record per entry and their data end to end. */
export interface EntryBatch {
  /** Five numbers per entry: index, object type (0 for a delta), base index, data length, pack offset. */
  records: Float64Array;
  data: Uint8Array;
}

const FIELDS = 5;
/** Data bytes per batch; larger entries travel alone. */
const BATCH_BYTES = 1024 * 1024;

/**
 * Collects entries into {@link EntryBatch}es whose buffers can be transferred to a worker and,
 * once given back, filled again: the stream of entries needs a handful of buffers, not garbage.
 */
export class EntryBatchWriter {
  #records: number[] = [];
  #data: Buffer = Buffer.allocUnsafeSlow(BATCH_BYTES);
  #length = 0;
  readonly #spare: Buffer[] = [];
  readonly #send: (batch: EntryBatch) => void;

  /** `send` receives each batch once full, and the last one on {@link EntryBatchWriter.flush}. */
  constructor(send: (batch: EntryBatch) => void) {
    this.#send = send;
  }

  add(index: number, type: number, base: number, offset: number, data: Uint8Array): void {
    if (this.#length + data.length > BATCH_BYTES) {
      this.flush();
      if (data.length > BATCH_BYTES) {
        this.#send({ records: Float64Array.of(index, type, base, data.length, offset), data: Uint8Array.prototype.slice.call(data) });
        return;
      }
    }
    this.#records.push(index, type, base, data.length, offset);
    this.#data.set(data, this.#length);
    this.#length += data.length;
  }

  /** Sends the entries collected so far, if any. */
  flush(): void {
    if (this.#records.length === 0) return;
    this.#send({ records: Float64Array.from(this.#records), data: this.#data.subarray(0, this.#length) });
    this.#data = this.#spare.pop() ?? Buffer.allocUnsafeSlow(BATCH_BYTES);
    this.#records = [];
    this.#length = 0;
  }

  /** Takes back the data buffer of a batch that has been processed, to fill again. */
  recycle(data: Uint8Array): void {
    if (data.buffer.byteLength === BATCH_BYTES) this.#spare.push(Buffer.from(data.buffer, 0, BATCH_BYTES));
  }
}

/** Calls `visit` for each entry of `batch`. */
export function forEachEntry(batch: EntryBatch, visit: (index: number, type: number, base: number, offset: number, data: Uint8Array) => void): void {
  const { records, data } = batch;
  let at = 0;
  for (let r = 0; r < records.length; r += FIELDS) {
    const length = records[r + 3]!;
    visit(records[r]!, records[r + 1]!, records[r + 2]!, records[r + 4]!, data.subarray(at, at + length));
    at += length;
  }
}
