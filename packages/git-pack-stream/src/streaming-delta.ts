import { DEFAULT_WINDOW, memoryReader, WindowedReader, type ContentReader, type ContentSource } from './content-reader.js';
import { PackError } from './errors.js';
import { startObjectHash } from './object-id.js';
import { NO_BASE, UNKNOWN_BASE, type ObjectColumns } from './object-table.js';
import type { ReadRange } from './range-reads.js';
import { storedEntry, storedEntryReader } from './stored-entry-reader.js';

/** Git refuses shorter deltas (`DELTA_SIZE_MIN`). */
const MIN_DELTA_LENGTH = 4;
/** Longest instruction: opcode, then up to 127 inserted bytes. */
const LONGEST_INSTRUCTION = 128;
/** Delta instruction bytes read at once. */
const INSTRUCTION_READ = 64 * 1024;
/** Result bytes hashed at once by {@link hashDeltaResult}. */
const HASH_PIECE = 1024 * 1024;

/** The sizes a delta declares. */
export interface StreamedDeltaHeader {
  baseSize: number;
  resultSize: number;
}

/**
 * Opens `delta` (its instructions, in memory or read back from the stored pack) on `base` and
 * returns its result as a {@link ContentSource}, with the sizes the delta declares. The result is
 * produced in pieces and never held whole; `base` is read at the offsets the copy instructions
 * name. Checks like {@link applyDelta}, with the same error codes: `DELTA_BASE_SIZE_MISMATCH` at
 * once, the others as the instructions are met. `offset` (the delta's pack offset) locates errors.
 * The source does not close `base` or `delta`.
 */
export async function openDelta(base: ContentReader, delta: ContentReader, offset?: number): Promise<{ header: StreamedDeltaHeader; source: ContentSource }> {
  const source = new DeltaSource(base, delta, offset);
  return { header: await source.open(), source };
}

/**
 * The 20-byte id of the object of type `type` (1-4) that `delta` makes of `base`, hashed as the
 * result is produced, a piece at a time: memory stays at the readers' windows whatever the sizes.
 * Throws a {@link PackError} for a malformed delta, like {@link applyDelta}.
 */
export async function hashDeltaResult(type: number, base: ContentReader, delta: ContentReader, offset?: number): Promise<Buffer> {
  const { header, source } = await openDelta(base, delta, offset);
  try {
    const hash = startObjectHash(type, header.resultSize);
    const piece = Buffer.allocUnsafe(Math.min(HASH_PIECE, Math.max(1, header.resultSize)));
    for (;;) {
      const produced = await source.fill(piece);
      if (produced === 0) return hash.digest();
      hash.update(piece.subarray(0, produced));
    }
  } finally {
    source.close();
  }
}

/**
 * A {@link ContentReader} over the result of `delta` on `base`, for a delta whose result is the base
 * of further deltas: the result is rebuilt from its start whenever a read goes back before the
 * window, reading `base` again from the start too. `close` closes `base` and `delta` as well.
 */
export async function deltaResultReader(base: ContentReader, delta: ContentReader, offset?: number, window = DEFAULT_WINDOW): Promise<ContentReader> {
  let first: DeltaSource | undefined = new DeltaSource(base, delta, offset);
  const header = await first.open();
  const reader = new WindowedReader(
    header.resultSize,
    () => {
      const source = first ?? new DeltaSource(base, delta, offset);
      first = undefined;
      return source;
    },
    window,
  );
  return {
    size: reader.size,
    maxRead: reader.maxRead,
    read: (at, length) => reader.read(at, length),
    close: () => {
      reader.close();
      base.close();
      delta.close();
    },
  };
}

/** Options of {@link storedContentReader}. */
export interface StoredContentOptions {
  /** Bytes each level keeps (and its longest read). Default 1 MiB. */
  window?: number;
  /** Content of entry `j` at hand (a cached base): the chain stops there. */
  contentAt?: (j: number) => Uint8Array | undefined;
  /** Instructions of delta `j` at hand (a delta store), instead of inflating them again. */
  deltaAt?: (j: number) => Uint8Array | undefined;
}

/**
 * A {@link ContentReader} over the content of entry `i` of the stored pack: a whole object inflated
 * again from `read`, or a delta rebuilt on a reader over its base, down its chain of bases
 * (`columns.bases`, which must lead to a whole object or to content at hand). Each level keeps a
 * window; none holds its whole content. `close` closes the whole chain.
 */
export async function storedContentReader(read: ReadRange, columns: ObjectColumns, i: number, options: StoredContentOptions = {}): Promise<ContentReader> {
  const { window = DEFAULT_WINDOW, contentAt, deltaAt } = options;
  const chain: number[] = [];
  let top = i;
  let reader: ContentReader | undefined;
  for (;;) {
    const content = contentAt?.(top);
    if (content !== undefined) {
      reader = memoryReader(content);
      break;
    }
    const base = columns.bases[top]!;
    if (base === NO_BASE) break;
    if (base === UNKNOWN_BASE) throw new PackError('UNRESOLVED_DELTAS', 'delta whose base is not known yet', columns.offsets[top]);
    chain.push(top);
    top = base;
  }
  reader ??= storedEntryReader(read, storedEntry(columns, top), window);
  for (let k = chain.length - 1; k >= 0; k--) {
    const j = chain[k]!;
    const instructions = deltaAt?.(j);
    const delta = instructions ? memoryReader(instructions) : storedEntryReader(read, storedEntry(columns, j), window);
    reader = await deltaResultReader(reader, delta, columns.offsets[j], window);
  }
  return reader;
}

/**
 * The id of delta entry `i` of the stored pack, whose base (`columns.bases[i]`) is resolved, made
 * without holding its result or any base whole: for results over the memory limit. The delta's
 * sizes are checked first ({@link checkDeltaSizes}), so a bomb is `BAD_DELTA` before its base is
 * read. Returns the id with the object type (its base's) and the result size.
 */
export async function hashStoredDelta(
  read: ReadRange,
  columns: ObjectColumns,
  i: number,
  options: StoredContentOptions = {},
): Promise<{ id: Buffer; type: number; resultSize: number }> {
  const base = columns.bases[i]!;
  const offset = columns.offsets[i]!;
  if (base < 0 || columns.types[base] === 0) throw new PackError('UNRESOLVED_DELTAS', 'delta whose base is not resolved yet', offset);
  const type = columns.types[base]!;
  const instructions = options.deltaAt?.(i);
  const delta = () => (instructions ? memoryReader(instructions) : storedEntryReader(read, storedEntry(columns, i), options.window));
  const checked = delta();
  let header: StreamedDeltaHeader;
  try {
    header = await checkDeltaSizes(checked, offset);
  } finally {
    checked.close();
  }
  const baseReader = await storedContentReader(read, columns, base, options);
  const deltaReader = delta();
  try {
    return { id: await hashDeltaResult(type, baseReader, deltaReader, offset), type, resultSize: header.resultSize };
  } finally {
    baseReader.close();
    deltaReader.close();
  }
}

/**
 * Checks the instructions of `delta` without a base: the result size it declares must be what its
 * copy and insert instructions produce. A delta declaring more (a decompression bomb, or a damaged
 * delta) is `BAD_DELTA`; one producing more is `DELTA_RESULT_SIZE_MISMATCH`. Cheap next to applying
 * it: run it before committing to a large result.
 */
export async function checkDeltaSizes(delta: ContentReader, offset?: number): Promise<StreamedDeltaHeader> {
  const cursor = new InstructionCursor(delta, offset);
  const header = await cursor.header();
  let produced = 0;
  while (!cursor.atEnd()) {
    await cursor.ensure(LONGEST_INSTRUCTION);
    const instruction = cursor.instruction();
    if (instruction.copySize === undefined) cursor.skip(instruction.insert);
    produced += instruction.copySize ?? instruction.insert;
  }
  if (produced < header.resultSize) {
    throw new PackError('BAD_DELTA', `delta declares a ${header.resultSize}-byte result, its instructions produce ${produced} bytes`, offset);
  }
  if (produced > header.resultSize) {
    throw new PackError('DELTA_RESULT_SIZE_MISMATCH', `delta produces ${produced} bytes, declared ${header.resultSize}`, offset);
  }
  return header;
}

/** Reads delta instructions through a {@link ContentReader}, a chunk at a time. */
class InstructionCursor {
  readonly #delta: ContentReader;
  readonly #offset: number | undefined;
  #chunk: Uint8Array = new Uint8Array(0);
  /** Delta offset of `#chunk[0]`. */
  #chunkAt = 0;
  /** Delta offset of the next byte. */
  position = 0;

  constructor(delta: ContentReader, offset: number | undefined) {
    this.#delta = delta;
    this.#offset = offset;
  }

  atEnd(): boolean {
    return this.position >= this.#delta.size;
  }

  /** Makes the next `count` bytes (or those left) readable without waiting. */
  async ensure(count: number): Promise<void> {
    const available = this.#chunkAt + this.#chunk.length;
    if (this.position + count <= available || available >= this.#delta.size) return;
    this.#chunkAt = this.position;
    this.#chunk = await this.#delta.read(this.position, Math.min(this.#delta.maxRead, Math.max(count, INSTRUCTION_READ)));
  }

  /** Next byte, after {@link InstructionCursor.ensure}; undefined past the end. */
  byte(): number | undefined {
    return this.#chunk[this.position++ - this.#chunkAt];
  }

  /** Up to `count` of the next bytes, after {@link InstructionCursor.ensure}. */
  take(count: number): Uint8Array {
    const start = this.position - this.#chunkAt;
    const bytes = this.#chunk.subarray(start, Math.min(start + count, this.#chunk.length));
    this.position += bytes.length;
    return bytes;
  }

  skip(count: number): void {
    this.position += count;
  }

  /** Reads the two sizes in front of the instructions. */
  async header(): Promise<StreamedDeltaHeader> {
    if (this.#delta.size < MIN_DELTA_LENGTH) throw new PackError('BAD_DELTA', `delta of ${this.#delta.size} bytes is too short`, this.#offset);
    return { baseSize: await this.#size(), resultSize: await this.#size() };
  }

  /** Decodes the instruction at the cursor (after `ensure(LONGEST_INSTRUCTION)`), leaving an insert's bytes to read. */
  instruction(): { copyOffset: number; copySize: number | undefined; insert: number } {
    const opcode = this.byte()!;
    if (opcode & 0x80) {
      const args: number[] = [];
      for (let bit = 0; bit < 7; bit++) {
        if (!(opcode & (1 << bit))) continue;
        const byte = this.byte();
        if (byte === undefined) throw new PackError('BAD_DELTA', 'delta copy instruction is truncated', this.#offset);
        args[bit] = byte;
      }
      const copyOffset = (args[0] ?? 0) + (args[1] ?? 0) * 2 ** 8 + (args[2] ?? 0) * 2 ** 16 + (args[3] ?? 0) * 2 ** 24;
      const copySize = (args[4] ?? 0) + (args[5] ?? 0) * 2 ** 8 + (args[6] ?? 0) * 2 ** 16;
      return { copyOffset, copySize: copySize === 0 ? 0x10000 : copySize, insert: 0 };
    }
    if (opcode === 0) throw new PackError('BAD_DELTA', 'delta uses reserved opcode 0', this.#offset);
    if (this.position + opcode > this.#delta.size) throw new PackError('BAD_DELTA', 'delta insert instruction is truncated', this.#offset);
    return { copyOffset: 0, copySize: undefined, insert: opcode };
  }

  async #size(): Promise<number> {
    let size = 0;
    let factor = 1;
    for (;;) {
      await this.ensure(1);
      const byte = this.byte();
      if (byte === undefined) throw new PackError('BAD_DELTA', 'delta header is truncated', this.#offset);
      // Zero groups are padding, as git reads them; sizes stop at 2^53.
      if (byte & 0x7f) {
        size += (byte & 0x7f) * factor;
        if (factor >= 2 ** 53 || size > Number.MAX_SAFE_INTEGER) throw new PackError('BAD_DELTA', 'delta header declares an impossible size', this.#offset);
      }
      if (factor < 2 ** 53) factor *= 128;
      if (byte < 0x80) return size;
    }
  }
}

/** Produces a delta's result in pieces: copies read from the base, inserts from the instructions. */
class DeltaSource implements ContentSource {
  readonly #base: ContentReader;
  readonly #cursor: InstructionCursor;
  readonly #offset: number | undefined;
  #header: StreamedDeltaHeader | undefined;
  /** Result bytes the instructions met so far produce. */
  #declared = 0;
  #copyAt = 0;
  #copyLeft = 0;
  #insertLeft = 0;

  constructor(base: ContentReader, delta: ContentReader, offset: number | undefined) {
    this.#base = base;
    this.#cursor = new InstructionCursor(delta, offset);
    this.#offset = offset;
  }

  async open(): Promise<StreamedDeltaHeader> {
    const header = await this.#cursor.header();
    if (header.baseSize !== this.#base.size) {
      throw new PackError('DELTA_BASE_SIZE_MISMATCH', `delta expects a base of ${header.baseSize} bytes, base has ${this.#base.size}`, this.#offset);
    }
    this.#header = header;
    return header;
  }

  async fill(target: Uint8Array): Promise<number> {
    this.#header ??= await this.open();
    const cursor = this.#cursor;
    let written = 0;
    while (written < target.length) {
      if (this.#copyLeft > 0) {
        const length = Math.min(this.#copyLeft, target.length - written, this.#base.maxRead);
        target.set(await this.#base.read(this.#copyAt, length), written);
        this.#copyAt += length;
        this.#copyLeft -= length;
        written += length;
        continue;
      }
      if (this.#insertLeft > 0) {
        await cursor.ensure(this.#insertLeft);
        const bytes = cursor.take(Math.min(this.#insertLeft, target.length - written));
        target.set(bytes, written);
        this.#insertLeft -= bytes.length;
        written += bytes.length;
        continue;
      }
      if (cursor.atEnd()) {
        if (this.#declared !== this.#header.resultSize) {
          throw new PackError('DELTA_RESULT_SIZE_MISMATCH', `delta produced ${this.#declared} bytes, declared ${this.#header.resultSize}`, this.#offset);
        }
        break;
      }
      await cursor.ensure(LONGEST_INSTRUCTION);
      this.#next();
    }
    return written;
  }

  close(): void {}

  /** Decodes the next instruction, checking it against the base and the declared result. */
  #next(): void {
    const { baseSize, resultSize } = this.#header!;
    const { copyOffset, copySize, insert } = this.#cursor.instruction();
    if (copySize !== undefined) {
      if (copyOffset + copySize > baseSize || this.#declared + copySize > resultSize) {
        throw new PackError(
          'DELTA_COPY_OUT_OF_RANGE',
          `delta copies ${copySize} bytes from base offset ${copyOffset}, outside the ${baseSize}-byte base or ${resultSize}-byte result`,
          this.#offset,
        );
      }
      this.#copyAt = copyOffset;
      this.#copyLeft = copySize;
      this.#declared += copySize;
      return;
    }
    if (this.#declared + insert > resultSize) {
      throw new PackError('DELTA_RESULT_SIZE_MISMATCH', `delta inserts past its declared ${resultSize}-byte result`, this.#offset);
    }
    this.#insertLeft = insert;
    this.#declared += insert;
  }
}
