import { PackError } from './errors.js';

/** Git refuses shorter deltas (`DELTA_SIZE_MIN`), so this does too. */
const MIN_DELTA_LENGTH = 4;

/** The two sizes that open every delta, and where its instructions start. */
export interface DeltaHeader {
  baseSize: number;
  resultSize: number;
  /** Index of the first instruction byte. */
  instructions: number;
}

/** Reads the base and result sizes at the start of `delta`. `offset` locates errors in the pack. */
export function readDeltaHeader(delta: Uint8Array, offset?: number): DeltaHeader {
  let position = 0;
  const readSize = (): number => {
    let size = 0;
    let factor = 1;
    for (;;) {
      if (position >= delta.length) throw new PackError('BAD_DELTA', 'delta header is truncated', offset);
      const byte = delta[position++]!;
      // Zero groups are padding, as git reads them; sizes stop at 2^53.
      if (byte & 0x7f) {
        size += (byte & 0x7f) * factor;
        if (factor >= 2 ** 53 || size > Number.MAX_SAFE_INTEGER) throw new PackError('BAD_DELTA', 'delta header declares an impossible size', offset);
      }
      if (factor < 2 ** 53) factor *= 128;
      if (byte < 0x80) return size;
    }
  };
  const baseSize = readSize();
  const resultSize = readSize();
  return { baseSize, resultSize, instructions: position };
}

/**
 * Applies a git delta to `base` and returns the result.
 * Throws a {@link PackError} for a wrong base size, a reserved opcode, a copy outside the base,
 * truncated instructions or a result of another size than declared. `offset` locates errors.
 */
export function applyDelta(base: Uint8Array, delta: Uint8Array, offset?: number): Uint8Array {
  const header = readDeltaHeader(delta, offset);
  return applyDeltaInto(base, delta, header, Buffer.allocUnsafe(header.resultSize), offset);
}

/**
 * Applies `delta`, whose header has been read, to `base`, writing the result to `target`, which
 * must be `header.resultSize` bytes long. Throws like {@link applyDelta}.
 */
export function applyDeltaInto(base: Uint8Array, delta: Uint8Array, header: DeltaHeader, target: Uint8Array, offset?: number): Uint8Array {
  const { baseSize, resultSize, instructions } = header;
  if (delta.length < MIN_DELTA_LENGTH) throw new PackError('BAD_DELTA', `delta of ${delta.length} bytes is too short`, offset);
  const from = asBuffer(base);
  const instructionBytes = asBuffer(delta);
  const result = asBuffer(target);
  // Base and result side by side in one arena (a delta base cache) are copied within it: a
  // Buffer.copy makes a view per instruction, which adds up to a lot of garbage.
  const arena = base.buffer === target.buffer ? new Uint8Array(target.buffer) : undefined;
  const fromAt = base.byteOffset;
  const resultAt = target.byteOffset;
  if (baseSize !== base.length) {
    throw new PackError('DELTA_BASE_SIZE_MISMATCH', `delta expects a base of ${baseSize} bytes, base has ${base.length}`, offset);
  }
  let out = 0;
  let position = instructions;
  const end = delta.length;
  while (position < end) {
    const opcode = delta[position++]!;
    if (opcode & 0x80) {
      let copyOffset = 0;
      let copySize = 0;
      if (opcode & 0x01) copyOffset = delta[position++]!;
      if (opcode & 0x02) copyOffset |= delta[position++]! << 8;
      if (opcode & 0x04) copyOffset |= delta[position++]! << 16;
      if (opcode & 0x08) copyOffset = (copyOffset | (delta[position++]! << 24)) >>> 0;
      if (opcode & 0x10) copySize = delta[position++]!;
      if (opcode & 0x20) copySize |= delta[position++]! << 8;
      if (opcode & 0x40) copySize |= delta[position++]! << 16;
      if (copySize === 0) copySize = 0x10000;
      if (position > end) throw new PackError('BAD_DELTA', 'delta copy instruction is truncated', offset);
      if (copyOffset + copySize > baseSize || out + copySize > resultSize) {
        throw new PackError('DELTA_COPY_OUT_OF_RANGE', `delta copies ${copySize} bytes from base offset ${copyOffset}, outside the ${baseSize}-byte base or ${resultSize}-byte result`, offset);
      }
      if (arena !== undefined && copySize > 32) arena.copyWithin(resultAt + out, fromAt + copyOffset, fromAt + copyOffset + copySize);
      else copy(from, copyOffset, copySize, result, out);
      out += copySize;
    } else if (opcode !== 0) {
      if (position + opcode > end) throw new PackError('BAD_DELTA', 'delta insert instruction is truncated', offset);
      if (out + opcode > resultSize) {
        throw new PackError('DELTA_RESULT_SIZE_MISMATCH', `delta inserts past its declared ${resultSize}-byte result`, offset);
      }
      copy(instructionBytes, position, opcode, result, out);
      position += opcode;
      out += opcode;
    } else {
      throw new PackError('BAD_DELTA', 'delta uses reserved opcode 0', offset);
    }
  }
  if (out !== resultSize) {
    throw new PackError('DELTA_RESULT_SIZE_MISMATCH', `delta produced ${out} bytes, declared ${resultSize}`, offset);
  }
  return result;
}

function copy(from: Buffer, start: number, length: number, to: Buffer, at: number): void {
  if (length > 32) {
    from.copy(to, at, start, start + length);
    return;
  }
  for (let i = 0; i < length; i++) to[at + i] = from[start + i]!;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
