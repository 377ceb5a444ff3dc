import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidKeyError, InvalidRangeError, NotFoundError, PreconditionFailedError } from '../errors.js';
import type { ObjectInfo, Storage } from '../storage.js';
import { bytesOf, generatedBody, sha256Of } from './generated-body.js';

const MiB = 1024 * 1024;

/** What differs between sinks; everything else in the contract is the same for all. */
export interface StorageContractOptions {
  /** Set when the sink's server is not available: the suite is reported as skipped with this reason. */
  skipReason?: string;
  /** The part size the sink was created with (streaming and range tests straddle its boundaries). Default 5 MiB. */
  partSize?: number;
  /** False for sinks that do not keep the content type given to `put` (the filesystem). */
  storesContentType?: boolean;
  /** Lists anything a failed upload under `prefix` left behind (temporary files, in-progress multipart uploads). */
  leftovers?: (prefix: string) => Promise<string[]>;
  /**
   * Why racing conditional writes of multipart bodies are not atomic on this sink (the server ignores the conditions
   * on CompleteMultipartUpload); the race test then checks only what such a sink guarantees: at least one writer wins
   * and the object is one writer's whole body.
   */
  multipartConditionsNotAtomic?: string;
  /**
   * Why racing conditional writes are not atomic on this sink even for single-part bodies (a mock server that checks,
   * then writes, without a lock); the ifMatch race test then checks that at least one writer wins and the object is
   * one winner's body.
   */
  conditionsNotAtomic?: string;
  /** Releases what the factory created. */
  cleanup?: () => Promise<void>;
}

async function keysOf(listing: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of listing) keys.push(info.key);
  return keys;
}

async function mapConcurrently<T>(items: readonly T[], concurrency: number, action: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await action(items[next++]);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const text = (value: string) => new TextEncoder().encode(value);

/**
 * The behaviour every {@link Storage} must have, as one vitest suite (the unstorage pattern). `createStorage` is
 * called once; tests use unique key prefixes, so the storage may be shared with other suites.
 */
export function describeStorageContract(name: string, createStorage: () => Promise<Storage>, options: StorageContractOptions = {}): void {
  const partSize = options.partSize ?? 5 * MiB;
  const title = options.skipReason ? `storage contract: ${name} (skipped: ${options.skipReason})` : `storage contract: ${name}`;

  describe.skipIf(options.skipReason !== undefined)(title, () => {
    let storage: Storage;
    const run = randomUUID().slice(0, 8);
    const prefixFor = (test: string) => `contract-${run}/${test}/`;
    /** How many racing conditional writers may win: exactly one, or at least one (and why) where conditions are not atomic. */
    const raceWinners = options.conditionsNotAtomic ? `at least one (${options.conditionsNotAtomic})` : 'exactly one';

    beforeAll(async () => {
      storage = await createStorage();
    });
    afterAll(async () => {
      await options.cleanup?.();
    });

    it('puts bytes and reads them back with the same etag, size and content type', async () => {
      const key = `${prefixFor('roundtrip')}objects/info/packs`;
      const { etag } = await storage.put(key, text('P pack-1.pack\n\n'));
      const got = await storage.get(key);
      expect(got.etag).toBe(etag);
      expect(got.size).toBe(15);
      expect(Buffer.from(await bytesOf(got.body)).toString()).toBe('P pack-1.pack\n\n');
      const info = await storage.head(key);
      expect(info).toMatchObject({ key, size: 15, etag });
      if (options.storesContentType !== false) expect(info.contentType).toBe('text/plain; charset=utf-8');

      const custom = `${prefixFor('roundtrip')}page`;
      await storage.put(custom, text('<p>'), { contentType: 'text/html' });
      if (options.storesContentType !== false) expect((await storage.head(custom)).contentType).toBe('text/html');
    });

    it('stores an empty object', async () => {
      const key = `${prefixFor('empty')}empty`;
      await storage.put(key, new Uint8Array(0));
      expect((await storage.head(key)).size).toBe(0);
      expect((await bytesOf((await storage.get(key)).body)).byteLength).toBe(0);
    });

    it('gives each write a new etag', async () => {
      const key = `${prefixFor('etags')}refs/heads/main`;
      const first = await storage.put(key, text('a'.repeat(40)));
      const second = await storage.put(key, text('b'.repeat(40)));
      expect(second.etag).not.toBe(first.etag);
      expect((await storage.head(key)).etag).toBe(second.etag);
    });

    it('raises NotFoundError for a missing key on get, getRange, head, copy and move', async () => {
      const key = `${prefixFor('missing')}nothing-here`;
      await expect(storage.get(key)).rejects.toBeInstanceOf(NotFoundError);
      await expect(storage.getRange(key, 0, 1)).rejects.toBeInstanceOf(NotFoundError);
      await expect(storage.head(key)).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND', key });
      await expect(storage.copy(key, `${key}-copy`)).rejects.toBeInstanceOf(NotFoundError);
      await expect(storage.move(key, `${key}-moved`)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('rejects keys that escape the root or are malformed with InvalidKeyError', async () => {
      const bad = ['', '/etc/passwd', '../outside', 'a/../b', 'a/./b', 'a//b', 'a/', 'a\\b', 'a\0b', 'objects/.gitmirror-lock-x'];
      for (const key of bad) {
        await expect(storage.put(key, text('x')), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidKeyError);
        await expect(storage.get(key), JSON.stringify(key)).rejects.toBeInstanceOf(InvalidKeyError);
      }
      await expect(storage.delete(['fine', '../not-fine'])).rejects.toBeInstanceOf(InvalidKeyError);
    });

    describe('a body streamed from an async iterable, larger than several parts', () => {
      const size = 3 * partSize + 2 * MiB + 12_345;
      let key: string;
      let digest: string;

      beforeAll(async () => {
        key = `${prefixFor('stream')}objects/pack/pack-1.pack`;
        const body = generatedBody(size, { seed: 7 });
        await storage.put(key, body);
        expect(body.yielded).toBe(size);
        digest = body.digest();
      });

      it('reads back every byte', async () => {
        const got = await storage.get(key);
        expect(got.size).toBe(size);
        expect(await sha256Of(got.body)).toBe(digest);
        expect((await storage.head(key)).contentType ?? 'application/octet-stream').toBe('application/octet-stream');
      });

      it('reads ranges at the first byte, the last byte, across part boundaries and the whole object', async () => {
        const whole = await bytesOf((await storage.get(key)).body);
        const ranges: [number, number][] = [
          [0, 1],
          [size - 1, 1],
          [partSize - 3, 7],
          [2 * partSize - 1, partSize + 2],
          [size - 10, 10],
          [size, 0],
          [0, size],
        ];
        for (const [offset, length] of ranges) {
          const bytes = await storage.getRange(key, offset, length);
          expect(bytes.byteLength, `${offset}+${length}`).toBe(length);
          expect(Buffer.from(bytes).equals(whole.subarray(offset, offset + length)), `${offset}+${length}`).toBe(true);
        }
      });

      it('raises InvalidRangeError for ranges reaching past the end', async () => {
        await expect(storage.getRange(key, size - 1, 2)).rejects.toBeInstanceOf(InvalidRangeError);
        await expect(storage.getRange(key, size, 1)).rejects.toBeInstanceOf(InvalidRangeError);
        await expect(storage.getRange(key, size + 100, 1)).rejects.toBeInstanceOf(InvalidRangeError);
        await expect(storage.getRange(key, -1, 1)).rejects.toBeInstanceOf(InvalidRangeError);
      });
    });

    it('lists past 1000 keys in key order, by plain string prefix, then deletes them all in one call', async () => {
      const prefix = prefixFor('many');
      const keys = Array.from({ length: 1005 }, (_, index) => `${prefix}k-${String(index).padStart(4, '0')}`);
      await mapConcurrently(keys, 32, (key) => storage.put(key, text(key)));
      const listed: ObjectInfo[] = [];
      for await (const info of storage.list(prefix)) listed.push(info);
      expect(listed.map((info) => info.key)).toEqual(keys);
      expect(listed[7]).toMatchObject({ key: keys[7], size: keys[7].length });
      expect(listed[7].etag).toBe((await storage.head(keys[7])).etag);
      expect(await keysOf(storage.list(`${prefix}k-100`))).toEqual(keys.slice(1000));

      await storage.delete([...keys, `${prefix}never-existed`]);
      expect(await keysOf(storage.list(prefix))).toEqual([]);
      await expect(storage.head(keys[0])).rejects.toBeInstanceOf(NotFoundError);
    });

    it('lists nested keys in byte order of the whole key', async () => {
      const prefix = prefixFor('order');
      const keys = ['a/b', 'a-c', 'a0', 'a/c/d', 'b'].map((key) => prefix + key);
      for (const key of keys) await storage.put(key, text('x'));
      expect(await keysOf(storage.list(prefix))).toEqual([...keys].sort());
      expect(await keysOf(storage.list(`${prefix}a/`))).toEqual([`${prefix}a/b`, `${prefix}a/c/d`]);
      expect(await keysOf(storage.list(`${prefix}zzz`))).toEqual([]);
    });

    it('creates with ifNoneMatch only when the key is absent', async () => {
      const key = `${prefixFor('create-only')}objects/pack/pack-2.pack`;
      await storage.put(key, text('first'), { ifNoneMatch: '*' });
      await expect(storage.put(key, text('second'), { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(Buffer.from(await bytesOf((await storage.get(key)).body)).toString()).toBe('first');
    });

    it(`lets ${raceWinners} of two racing ifNoneMatch writers win`, async () => {
      for (let round = 0; round < 5; round++) {
        const key = `${prefixFor('create-race')}${round}`;
        const results = await Promise.allSettled([
          storage.put(key, text('writer A'), { ifNoneMatch: '*' }),
          storage.put(key, text('writer B'), { ifNoneMatch: '*' }),
        ]);
        const won = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
        const stored = Buffer.from(await bytesOf((await storage.get(key)).body)).toString();
        for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(PreconditionFailedError);
        // A sink without atomic conditions (options.conditionsNotAtomic) may let both win; the object is still one winner's.
        if (options.conditionsNotAtomic) expect(won.length, `round ${round}`).toBeGreaterThanOrEqual(1);
        else expect(won, `round ${round}`).toHaveLength(1);
        expect(won.map((index) => (index === 0 ? 'writer A' : 'writer B'))).toContain(stored);
      }
    });

    it('refuses a streamed multipart body with ifNoneMatch when the key exists, leaving the old object', async () => {
      const prefix = prefixFor('create-only-multipart');
      const key = `${prefix}objects/pack/pack-3.pack`;
      await storage.put(key, text('old'));
      const body = generatedBody(partSize + 1, { seed: 3 });
      await expect(storage.put(key, body, { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(Buffer.from(await bytesOf((await storage.get(key)).body)).toString()).toBe('old');
      if (options.leftovers) expect(await options.leftovers(prefix)).toEqual([]);
    });

    if (options.multipartConditionsNotAtomic === undefined) {
      it('lets exactly one of two racing ifNoneMatch writers of multipart bodies win', async () => {
        const prefix = prefixFor('create-race-multipart');
        const key = `${prefix}objects/pack/pack-6.pack`;
        const bodies = [generatedBody(partSize + 1, { seed: 1 }), generatedBody(partSize + 1, { seed: 2 })];
        const results = await Promise.allSettled(bodies.map((body) => storage.put(key, body, { ifNoneMatch: '*' })));
        const won = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
        expect(won).toHaveLength(1);
        const lost = results[1 - won[0]];
        expect(lost.status === 'rejected' && lost.reason).toBeInstanceOf(PreconditionFailedError);
        expect(await sha256Of((await storage.get(key)).body)).toBe(bodies[won[0]].digest());
        if (options.leftovers) expect(await options.leftovers(prefix)).toEqual([]);
      });
    } else {
      it(`lets at least one of two racing ifNoneMatch writers of multipart bodies win, storing one whole body (${options.multipartConditionsNotAtomic})`, async () => {
        const prefix = prefixFor('create-race-multipart');
        const key = `${prefix}objects/pack/pack-6.pack`;
        const bodies = [generatedBody(partSize + 1, { seed: 1 }), generatedBody(partSize + 1, { seed: 2 })];
        const results = await Promise.allSettled(bodies.map((body) => storage.put(key, body, { ifNoneMatch: '*' })));
        for (const result of results) {
          if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(PreconditionFailedError);
        }
        expect(results.some((result) => result.status === 'fulfilled')).toBe(true);
        const stored = await sha256Of((await storage.get(key)).body);
        expect(bodies.map((body) => body.digest())).toContain(stored);
        if (options.leftovers) expect(await options.leftovers(prefix)).toEqual([]);
      });
    }

    it('replaces with ifMatch only the version whose etag is given', async () => {
      const key = `${prefixFor('compare-and-swap')}info/refs`;
      const first = await storage.put(key, text('v1'));
      const second = await storage.put(key, text('v2'), { ifMatch: first.etag });
      expect(second.etag).not.toBe(first.etag);
      await expect(storage.put(key, text('v3'), { ifMatch: first.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(storage.put(`${key}-missing`, text('v1'), { ifMatch: first.etag })).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(Buffer.from(await bytesOf((await storage.get(key)).body)).toString()).toBe('v2');
    });

    it(`lets ${raceWinners} of two racing ifMatch writers with the same etag win`, async () => {
      const key = `${prefixFor('swap-race')}info/refs`;
      let { etag } = await storage.put(key, text('start'));
      for (let round = 0; round < 5; round++) {
        const results = await Promise.allSettled([
          storage.put(key, text(`A${round}`), { ifMatch: etag }),
          storage.put(key, text(`B${round}`), { ifMatch: etag }),
        ]);
        const won = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
        for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(PreconditionFailedError);
        // A sink without atomic conditions (options.conditionsNotAtomic) may let both win; the object is still one winner's.
        if (options.conditionsNotAtomic) expect(won.length, `round ${round}`).toBeGreaterThanOrEqual(1);
        else expect(won, `round ${round}`).toHaveLength(1);
        const got = await storage.get(key);
        expect(won.map((index) => `${index === 0 ? 'A' : 'B'}${round}`)).toContain(Buffer.from(await bytesOf(got.body)).toString());
        const winner = results[won[0]];
        if (won.length === 1 && winner.status === 'fulfilled') expect(got.etag).toBe(winner.value.etag);
        etag = got.etag;
      }
    });

    it('copies an object, replacing the target, and keeps the source', async () => {
      const prefix = prefixFor('copy');
      await storage.put(`${prefix}from`, text('content'), { contentType: 'text/plain; charset=utf-8' });
      await storage.put(`${prefix}to`, text('to be replaced'));
      await storage.copy(`${prefix}from`, `${prefix}to`);
      await storage.copy(`${prefix}from`, `${prefix}deeper/to`);
      for (const key of ['from', 'to', 'deeper/to']) {
        expect(Buffer.from(await bytesOf((await storage.get(prefix + key)).body)).toString(), key).toBe('content');
      }
      if (options.storesContentType !== false) expect((await storage.head(`${prefix}to`)).contentType).toBe('text/plain; charset=utf-8');
    });

    it('moves an object', async () => {
      const prefix = prefixFor('move');
      await storage.put(`${prefix}from`, text('content'));
      await storage.move(`${prefix}from`, `${prefix}sub/to`);
      await expect(storage.head(`${prefix}from`)).rejects.toBeInstanceOf(NotFoundError);
      expect(Buffer.from(await bytesOf((await storage.get(`${prefix}sub/to`)).body)).toString()).toBe('content');
      expect(await keysOf(storage.list(prefix))).toEqual([`${prefix}sub/to`]);
    });

    it('leaves nothing behind when the body fails midway through an upload of several parts', async () => {
      const prefix = prefixFor('failing-body');
      const key = `${prefix}objects/pack/pack-4.pack`;
      const body = generatedBody(5 * partSize, { failAfter: 2 * partSize + 1 });
      await expect(storage.put(key, body)).rejects.toThrow('failed on purpose');
      expect(body.yielded).toBeGreaterThan(2 * partSize);
      await expect(storage.head(key)).rejects.toBeInstanceOf(NotFoundError);
      expect(await keysOf(storage.list(prefix))).toEqual([]);
      if (options.leftovers) expect(await options.leftovers(prefix)).toEqual([]);
    });

    it('leaves nothing behind, and keeps the old version, when an upload is aborted midway', async () => {
      const prefix = prefixFor('aborted');
      const key = `${prefix}objects/pack/pack-5.pack`;
      const { etag } = await storage.put(key, text('old'));
      const controller = new AbortController();
      const body = generatedBody(5 * partSize, {
        onChunk: (end) => {
          if (end > 2 * partSize) controller.abort(new Error('aborted on purpose'));
        },
      });
      await expect(storage.put(key, body, { signal: controller.signal })).rejects.toThrow('aborted on purpose');
      expect((await storage.head(key)).etag).toBe(etag);
      expect(await keysOf(storage.list(prefix))).toEqual([key]);
      if (options.leftovers) expect(await options.leftovers(prefix)).toEqual([]);
    });
  });
}
