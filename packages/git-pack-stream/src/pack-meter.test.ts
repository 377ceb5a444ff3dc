import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@gitmirror/test-servers';
import { PackError } from './errors.js';
import { emptyPack, readPackTrailer } from './pack-format.js';
import { PackMeter } from './pack-meter.js';
import { chunked, makeRepo, packObjects, random } from './test-support/git-fixtures.js';
import { withTrailer } from './test-support/pack-writer.js';

const dir = tempDir();
let gitPack: Buffer;
beforeAll(() => {
  makeRepo(join(dir.path, 'repo'), { files: 4, commits: 5, fileSize: 400, seed: 3 });
  gitPack = packObjects(join(dir.path, 'repo'), ['--delta-base-offset']);
});
afterAll(() => dir.remove());

async function drain(meter: PackMeter, pack: Uint8Array, chunk: () => number): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const piece of meter.measure(chunked(pack, chunk))) out.push(piece);
  return Buffer.concat(out);
}

describe('PackMeter', () => {
  it("passes git's pack through unchanged, counting its bytes and objects and keeping its checksum, in chunks of any size", async () => {
    const next = random(7);
    for (const chunk of [() => 1, () => 7, () => 1 + Math.floor(next() * 100), () => 1 << 20]) {
      for (const verify of [false, true]) {
        const meter = new PackMeter({ verify });
        let ended = false;
        const out: Uint8Array[] = [];
        for await (const piece of meter.measure(chunked(gitPack, chunk), () => (ended = true))) out.push(piece);
        expect(Buffer.concat(out).equals(gitPack)).toBe(true);
        expect(ended).toBe(true);
        expect(meter).toMatchObject({ bytes: gitPack.length, objects: gitPack.readUInt32BE(8), checksum: readPackTrailer(gitPack), failure: undefined });
      }
    }
  });

  it('takes the empty pack, and reads the count as soon as the header went through', async () => {
    const meter = new PackMeter({ verify: true });
    expect(meter.objects).toBe(0);
    expect(meter.checksum).toBe('');
    await drain(meter, emptyPack(), () => 5);
    expect(meter.checksum).toBe(readPackTrailer(emptyPack()));
    const early = new PackMeter();
    const iterator = early.measure(chunked(gitPack, () => 12));
    await iterator.next();
    expect(early.objects).toBe(gitPack.readUInt32BE(8));
    await iterator.return(undefined);
  });

  it('fails the stream with a typed error, and remembers it: a bad header, a short pack, and with verify a bad trailer', async () => {
    const failure = async (pack: Uint8Array, verify: boolean) => {
      const meter = new PackMeter({ verify });
      const error = await drain(meter, pack, () => 9).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(meter.failure?.error).toBe(error);
      return error === undefined ? undefined : (error as PackError).code;
    };
    const notPack = Buffer.from(gitPack);
    notPack[1] = 0;
    expect(await failure(notPack, false)).toBe('BAD_SIGNATURE');
    expect(await failure(gitPack.subarray(0, 31), false)).toBe('TRUNCATED');
    const badTrailer = Buffer.from(gitPack);
    badTrailer[badTrailer.length - 1]! ^= 1;
    expect(await failure(badTrailer, false)).toBeUndefined();
    expect(await failure(badTrailer, true)).toBe('TRAILER_MISMATCH');
    expect(await failure(withTrailer(gitPack.subarray(0, -20)), true)).toBeUndefined();
  });
});
