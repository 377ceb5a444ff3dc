import { deflateSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackError, type PackErrorCode } from './errors.js';
import { indexPack } from './index-pack.js';
import { hashObject } from './object-id.js';
import { tempDir } from '@gitmirror/test-servers';
import { chunked, gitIndexPack, makeRepo, packObjects, readFrom } from './test-support/git-fixtures.js';
import { makeDelta, withTrailer, writePack, type TestEntry } from './test-support/pack-writer.js';

async function failure(pack: Uint8Array, options: { memoryBudget?: number; chunk?: number } = {}): Promise<PackError> {
  const started = performance.now();
  try {
    await indexPack({ source: chunked(pack, () => options.chunk ?? 4096), read: readFrom(pack), threads: 1, memoryBudget: options.memoryBudget });
  } catch (error) {
    expect(performance.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(PackError);
    return error as PackError;
  }
  throw new Error('indexPack accepted a bad pack');
}

async function expectCode(pack: Uint8Array, code: PackErrorCode, options?: { memoryBudget?: number; chunk?: number }): Promise<PackError> {
  const error = await failure(pack, options);
  expect(error.code, error.message).toBe(code);
  return error;
}

describe('a ReadableStream source read through getReader()', () => {
  it('is cancelled and unlocked when the pack turns out to be bad before the stream ends', async () => {
    const bad = Buffer.from('PACX\0\0\0\x02\0\0\0\x01');
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => controller.enqueue(bad),
      cancel: () => {
        cancelled = true;
      },
    });
    // Only getReader(), as streams without async iteration have.
    const source = { getReader: () => stream.getReader() } as unknown as ReadableStream<Uint8Array>;
    await expect(indexPack({ source, read: readFrom(bad), threads: 1 })).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    expect(cancelled).toBe(true);
    expect(stream.locked).toBe(false);
  });
});

const base = Buffer.from('line one\nline two\nline three\nline four\n'.repeat(3));
const baseId = hashObject(3, base);
/** A pack of a blob and a delta on it, OFS or REF, with the given delta instructions. */
function deltaPack(delta: Uint8Array, kind: 'ofs' | 'ref', extra: Partial<TestEntry> = {}): Buffer {
  const entry: TestEntry = kind === 'ofs' ? { type: 6, data: delta, baseEntry: 0, ...extra } : { type: 7, data: delta, baseId, ...extra };
  return writePack([{ type: 3, data: base }, entry]);
}

const dir = tempDir();
let gitPack: Buffer;
beforeAll(() => {
  makeRepo(join(dir.path, 'repo'), { files: 2, commits: 3, fileSize: 200, seed: 5 });
  gitPack = packObjects(join(dir.path, 'repo'), ['--delta-base-offset']);
});
afterAll(() => dir.remove());

describe('bad packs get a coded PackError', () => {
  it('truncated at any byte', async () => {
    for (let end = 0; end < gitPack.length; end++) {
      const error = await failure(gitPack.subarray(0, end), { chunk: 97 });
      expect(error.code, `cut at ${end}: ${error.message}`).toBe('TRUNCATED');
    }
  });

  it('bad signature and unsupported version', async () => {
    const badSignature = Buffer.from(gitPack);
    badSignature[0] = 0x51;
    await expectCode(badSignature, 'BAD_SIGNATURE');
    const badVersion = Buffer.from(gitPack);
    badVersion[7] = 4;
    await expectCode(badVersion, 'UNSUPPORTED_VERSION');
  });

  it('object count mismatch, either way, with a valid trailer', async () => {
    for (const delta of [1, -1]) {
      const body = Buffer.from(gitPack.subarray(0, -20));
      body.writeUInt32BE(body.readUInt32BE(8) + delta, 8);
      await expectCode(withTrailer(body), 'OBJECT_COUNT_MISMATCH');
    }
  });

  it('trailer checksum mismatch and junk after the trailer', async () => {
    const badTrailer = Buffer.from(gitPack);
    badTrailer[badTrailer.length - 1]! ^= 1;
    await expectCode(badTrailer, 'TRAILER_MISMATCH');
    await expectCode(Buffer.concat([gitPack, Buffer.from('junk')]), 'JUNK_AFTER_TRAILER');
    await expectCode(Buffer.concat([gitPack, Buffer.from('junk')]), 'JUNK_AFTER_TRAILER', { chunk: 1 });
  });

  it('corrupt zlib stream, and inflated size other than declared', async () => {
    const badChecksum = deflateSync(base);
    badChecksum[badChecksum.length - 1]! ^= 0xff;
    const error = await expectCode(writePack([{ type: 3, data: base }, { type: 3, data: base, zlib: badChecksum }]), 'CORRUPT_ZLIB');
    expect(error.offset).toBe(12 + 2 + deflateSync(base).length);
    const badHeader = deflateSync(base);
    badHeader[0] = 0;
    await expectCode(writePack([{ type: 3, data: base, zlib: badHeader }]), 'CORRUPT_ZLIB');
    await expectCode(writePack([{ type: 3, data: base, declaredSize: base.length + 1 }]), 'SIZE_MISMATCH');
    await expectCode(writePack([{ type: 3, data: base, declaredSize: base.length - 1 }]), 'SIZE_MISMATCH');
    await expectCode(writePack([{ type: 5, data: base }]), 'BAD_OBJECT_TYPE');
  });

  for (const kind of ['ofs', 'ref'] as const) {
    it(`bad ${kind} deltas`, async () => {
      const size = base.length;
      await expectCode(deltaPack(makeDelta(size, 4, [['raw', [0]]]), kind), 'BAD_DELTA');
      await expectCode(deltaPack(makeDelta(size, 8, [['copy', size - 4, 8]]), kind), 'DELTA_COPY_OUT_OF_RANGE');
      await expectCode(deltaPack(makeDelta(size, 9, [['copy', 0, 8]]), kind), 'DELTA_RESULT_SIZE_MISMATCH');
      await expectCode(deltaPack(makeDelta(size, 4, [['copy', 0, 8]]), kind), 'DELTA_COPY_OUT_OF_RANGE');
      await expectCode(deltaPack(makeDelta(size + 1, 8, [['copy', 0, 8]]), kind), 'DELTA_BASE_SIZE_MISMATCH');
      await expectCode(deltaPack(makeDelta(size, 4, [['raw', [0x91, 0]]]), kind), 'BAD_DELTA');
      await expectCode(deltaPack(makeDelta(size, 2 ** 40, [['copy', 0, 8]]), kind), 'BAD_DELTA');
    });
  }

  it('OFS base before the pack start or not at an entry', async () => {
    const delta = makeDelta(base.length, 8, [['copy', 0, 8]]);
    const pack = deltaPack(delta, 'ofs');
    const deltaAt = 12 + 2 + deflateSync(base).length;
    const before = Buffer.from(pack.subarray(0, -20));
    before[deltaAt + 1] = 0x7f;
    await expectCode(withTrailer(before), 'BAD_OFS_BASE');
    const inside = Buffer.from(pack.subarray(0, -20));
    inside[deltaAt + 1]! -= 1;
    const error = await expectCode(withTrailer(inside), 'BAD_OFS_BASE');
    expect(error.offset).toBe(deltaAt);
  });

  it('REF delta whose base is not in the pack (thin pack)', async () => {
    const delta = makeDelta(base.length, 8, [['copy', 0, 8]]);
    const thin = writePack([{ type: 7, data: delta, baseId }]);
    const error = await expectCode(thin, 'UNRESOLVED_DELTAS');
    expect(error.offset).toBe(12);
  });

  it('sizes beyond the memory budget', async () => {
    const budget = 64 * 1024;
    // Bombs: deltas declaring a result far larger than their instructions make, small or over the limit themselves.
    const bomb = makeDelta(base.length, 2 ** 30, [['copy', 0, 1], ['insert', Buffer.alloc(127, 'b')]]);
    const error = await expectCode(writePack([{ type: 3, data: base }, { type: 6, data: bomb, baseEntry: 0 }]), 'BAD_DELTA', { memoryBudget: budget });
    expect(error.message).toContain(`${2 ** 30}-byte result`);
    const inserts = Array.from({ length: 400 }, () => ['insert', Buffer.alloc(127, 'i')] as ['insert', Buffer]);
    const bigBomb = makeDelta(base.length, 2 ** 30, inserts);
    expect(bigBomb.length).toBeGreaterThan(budget / 2);
    await expectCode(writePack([{ type: 3, data: base }, { type: 6, data: bigBomb, baseEntry: 0 }]), 'BAD_DELTA', { memoryBudget: budget });
    // A base over the object limit is accepted: the delta on it is hashed as it is rebuilt.
    const bigBase = Buffer.alloc(budget, 'x');
    const onBigBase = makeDelta(bigBase.length, 8, [['copy', 0, 8]]);
    const pack = writePack([{ type: 3, data: bigBase }, { type: 7, data: onBigBase, baseId: hashObject(3, bigBase) }]);
    const result = await indexPack({ source: chunked(pack, () => 4096), read: readFrom(pack), threads: 1, memoryBudget: budget });
    expect(Buffer.from(result.idx).equals(gitIndexPack(pack))).toBe(true);
    expect(result.ids).toContain(hashObject(3, bigBase.subarray(0, 8)).toString('hex'));
  });
});
