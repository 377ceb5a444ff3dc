import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** An entry for {@link writePack}: raw zlib bytes can replace the data to build corrupt packs. */
export interface TestEntry {
  type: number;
  data: Uint8Array;
  /** OFS deltas: index of the base entry in the list. */
  baseEntry?: number;
  /** REF deltas: 20-byte base id. */
  baseId?: Uint8Array;
  /** Overrides the size written in the header. */
  declaredSize?: number;
  /** Overrides the compressed bytes. */
  zlib?: Uint8Array;
  /** Zero groups padding the size varint of the header, as git reads them. */
  padding?: number;
}

/**
 * Encodes an entry header: type and size varint (with `padding` zero groups after its last
 * significant one), then the OFS distance or REF base id.
 */
export function entryHeader(type: number, size: number, distance?: number, baseId?: Uint8Array, padding = 0): Buffer {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 15);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  for (let p = 0; p < padding; p++) {
    bytes.push(byte | 0x80);
    byte = 0;
  }
  bytes.push(byte);
  if (distance !== undefined) {
    const ofs = [distance & 0x7f];
    for (let d = Math.floor(distance / 128); d > 0; d = Math.floor(d / 128)) ofs.unshift(0x80 | (--d & 0x7f));
    bytes.push(...ofs);
  }
  return Buffer.concat([Buffer.from(bytes), baseId ?? Buffer.alloc(0)]);
}

/** Builds a pack of `entries` with a correct trailer (or `count` as the declared object count). */
export function writePack(entries: TestEntry[], count = entries.length): Buffer {
  const parts: Buffer[] = [Buffer.from('PACK\0\0\0\x02'), Buffer.alloc(4)];
  parts[1]!.writeUInt32BE(count);
  const offsets: number[] = [];
  let offset = 12;
  for (const entry of entries) {
    offsets.push(offset);
    const distance = entry.baseEntry === undefined ? undefined : offset - offsets[entry.baseEntry]!;
    const header = entryHeader(entry.type, entry.declaredSize ?? entry.data.length, distance, entry.baseId, entry.padding);
    const body = Buffer.from(entry.zlib ?? deflateSync(entry.data));
    parts.push(header, body);
    offset += header.length + body.length;
  }
  return withTrailer(Buffer.concat(parts));
}

/** Appends the SHA-1 trailer to pack bytes that lack one. */
export function withTrailer(body: Uint8Array): Buffer {
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/** Encodes a delta from instructions: `['copy', offset, size]` or `['insert', bytes]`. */
export function makeDelta(baseSize: number, resultSize: number, ops: (['copy', number, number] | ['insert', Uint8Array] | ['raw', number[]])[]): Buffer {
  const varint = (n: number) => {
    const out: number[] = [];
    do {
      let byte = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      out.push(byte);
    } while (n > 0);
    return out;
  };
  const bytes = [...varint(baseSize), ...varint(resultSize)];
  for (const op of ops) {
    if (op[0] === 'insert') bytes.push(op[1].length, ...op[1]);
    else if (op[0] === 'raw') bytes.push(...op[1]);
    else {
      const [, offset, size] = op;
      let opcode = 0x80;
      const args: number[] = [];
      for (let i = 0; i < 4; i++) {
        const b = (offset >>> (8 * i)) & 0xff;
        if (b) {
          opcode |= 1 << i;
          args.push(b);
        }
      }
      for (let i = 0; i < 3; i++) {
        const b = (size >>> (8 * i)) & 0xff;
        if (b) {
          opcode |= 0x10 << i;
          args.push(b);
        }
      }
      bytes.push(opcode, ...args);
    }
  }
  return Buffer.from(bytes);
}

/** A delta that makes `result` from any base of `baseSize` bytes by inserting it, 127 bytes at a time. */
export function insertDelta(baseSize: number, result: Uint8Array): Buffer {
  const ops: ['insert', Uint8Array][] = [];
  for (let at = 0; at < result.length; at += 127) ops.push(['insert', result.subarray(at, at + 127)]);
  return makeDelta(baseSize, result.length, ops);
}

/** The pack offsets `writePack` gives `entries`. */
export function entryOffsets(entries: TestEntry[]): number[] {
  const offsets: number[] = [];
  let offset = 12;
  for (const entry of entries) {
    offsets.push(offset);
    const distance = entry.baseEntry === undefined ? undefined : offset - offsets[entry.baseEntry]!;
    offset += entryHeader(entry.type, entry.declaredSize ?? entry.data.length, distance, entry.baseId, entry.padding).length;
    offset += (entry.zlib ?? deflateSync(entry.data)).length;
  }
  return offsets;
}
