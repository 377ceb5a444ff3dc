import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '@gitmirror/test-servers';
import { PackError } from './errors.js';
import { IdxNameMatcher } from './idx-name-matcher.js';
import { readIdx } from './idx-reader.js';
import { chunked, gitIndexPack, makeRepo, packObjects, random } from './test-support/git-fixtures.js';

const dir = tempDir();
let idx: Buffer;
let ids: Buffer[];
beforeAll(() => {
  makeRepo(join(dir.path, 'repo'), { files: 5, commits: 6, fileSize: 200, seed: 9 });
  idx = gitIndexPack(packObjects(join(dir.path, 'repo'), []));
  ids = readIdx(idx).ids().map((id) => Buffer.from(id, 'hex'));
});
afterAll(() => dir.remove());

/** Ascending distinct needles: every `step`-th id of the .idx, and ids it lacks (one before all, one after all, one between). */
function needles(step: number): { needles: Uint8Array; listed: boolean[] } {
  const chosen = new Map<string, boolean>();
  ids.forEach((id, k) => k % step === 0 && chosen.set(id.toString('hex'), true));
  chosen.set('00'.repeat(20), false);
  chosen.set('ff'.repeat(20), false);
  const between = Buffer.from(ids[1]!);
  between[19]! -= 1;
  if (!between.equals(ids[0]!)) chosen.set(between.toString('hex'), false);
  const sorted = [...chosen.keys()].sort();
  return { needles: Buffer.concat(sorted.map((id) => Buffer.from(id, 'hex'))), listed: sorted.map((id) => chosen.get(id)!) };
}

async function match(bytes: Uint8Array, wanted: Uint8Array, chunk: () => number): Promise<{ found: Uint8Array; read: number }> {
  const found = new Uint8Array(wanted.length / 20);
  const matcher = new IdxNameMatcher(wanted, found);
  let read = 0;
  for await (const piece of chunked(bytes, chunk)) {
    read += piece.length;
    if (matcher.push(piece)) break;
  }
  matcher.end();
  return { found, read };
}

describe('IdxNameMatcher', () => {
  it("finds which ids git's .idx lists, read as a stream in chunks of any size", async () => {
    const next = random(2);
    for (const step of [1, 3, 17]) {
      const { needles: wanted, listed } = needles(step);
      for (const chunk of [() => 1, () => 19, () => 1 + Math.floor(next() * 300), () => 1 << 20]) {
        const { found } = await match(idx, wanted, chunk);
        expect([...found].map(Boolean)).toEqual(listed);
      }
    }
  });

  it('stops reading once the name table has passed the last needle', async () => {
    const wanted = Buffer.from(ids[0]!);
    const { found, read } = await match(idx, wanted, () => 64);
    expect([...found]).toEqual([1]);
    expect(read).toBeLessThan(8 + 1024 + 3 * 64);
    const none = await match(idx, new Uint8Array(0), () => 64);
    expect(none.read).toBe(64);
  });

  it('refuses a malformed .idx with BAD_IDX', async () => {
    const failure = async (bytes: Uint8Array) => {
      const error = await match(bytes, needles(1).needles, () => 100).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(error).toBeInstanceOf(PackError);
      return (error as PackError).code;
    };
    const badSignature = Buffer.from(idx);
    badSignature[0] = 0;
    expect(await failure(badSignature)).toBe('BAD_IDX');
    const decreasing = Buffer.from(idx);
    decreasing.writeUInt32BE(0xffff, 8);
    expect(await failure(decreasing)).toBe('BAD_IDX');
    expect(await failure(idx.subarray(0, 500))).toBe('BAD_IDX');
    expect(await failure(idx.subarray(0, 8 + 1024 + 30))).toBe('BAD_IDX');
  });
});
