import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { openStorage, type Body, type PutOptions, type Storage } from '@gitmirror/dumb-storage';
import { afterEach, describe, expect, it } from 'vitest';
import type { MirrorOptions } from './mirror-options.js';
import { mirrorRepo } from './mirror-repo.js';
import {
  blobEntry,
  blobId,
  blobPack,
  isLsRefs,
  lsRefsResponse,
  packHeader,
  sideBandPacket,
  startHostileHttpServer,
  v0Advertisement,
  v0Nak,
  v2Capabilities,
  v2PackfileSection,
  type HostileExchange,
  type HostileServer,
  type ScriptedRef,
} from './test-support/hostile-http-server.js';

const MiB = 1024 * 1024;
const BLOB = 'hello from a hostile server\n';
const REFS: ScriptedRef[] = [{ name: 'refs/tags/blob', oid: blobId(BLOB) }];

/** One side-band packet of about 4,000 tiny blob entries: the cheapest way to make an indexer add objects. */
const TINY_BLOBS = sideBandPacket(1, Buffer.concat(Array.from({ length: 4000 }, (_, i) => blobEntry(`${i}`))));

/** One side-band packet of four 16 KiB blobs of random bytes, which zlib cannot shrink. */
const RANDOM_BLOBS = sideBandPacket(1, Buffer.concat(Array.from({ length: 4 }, () => blobEntry(randomBytes(16_000)))));

/** A valid entry to send 10 bytes at a time: valid-looking bytes for longer than any test waits. */
const SLOW_ENTRY = blobEntry(randomBytes(50_000));

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** How a scripted server answers: the refs it lists (or a custom listing) and what follows the pack's preamble. */
interface Script {
  refs?: ScriptedRef[];
  /** Replaces the v0 advertisement or the v2 ls-refs response. */
  listing?: (exchange: HostileExchange) => Promise<unknown>;
  /** Sends the pack, after `NAK` (v0) or `packfile` (v2); side-band 64k in both. */
  pack?: (exchange: HostileExchange) => Promise<unknown>;
}

async function serve(version: 0 | 2, script: Script): Promise<string> {
  const refs = script.refs ?? REFS;
  const pack = script.pack ?? ((exchange) => exchange.band(1, blobPack([BLOB])).then(() => exchange.flush()));
  server = await startHostileHttpServer({
    advertise: async (exchange) => {
      if (version === 2) await exchange.write(v2Capabilities());
      else if (script.listing) await script.listing(exchange);
      else await exchange.write(v0Advertisement(refs));
    },
    uploadPack: async (exchange) => {
      if (version === 2 && isLsRefs(exchange.request.body)) {
        if (script.listing) await script.listing(exchange);
        else await exchange.write(lsRefsResponse(refs));
        return;
      }
      await exchange.write(version === 2 ? v2PackfileSection() : v0Nak());
      await pack(exchange);
    },
  });
  return server.url;
}

/** Endless ref lines, each naming a new branch. */
function endlessRefs(exchange: HostileExchange, first?: Uint8Array): Promise<void> {
  const oid = REFS[0].oid;
  return exchange.endless((i) => (i === 0 && first ? first : Buffer.from(refPacket(`${oid} refs/heads/branch-${i}-${'x'.repeat(60)}\n`))));
}

function refPacket(line: string): string {
  return (line.length + 4).toString(16).padStart(4, '0') + line;
}

/** A memory storage whose pack upload reads and counts the bytes but keeps none, as a multipart upload would. */
class CountingStorage implements Storage {
  readonly inner: Storage;
  packBytes = 0;
  constructor(inner: Storage) {
    this.inner = inner;
  }
  get url(): string {
    return this.inner.url;
  }
  async put(key: string, body: Body, options?: PutOptions): Promise<{ etag: string }> {
    if (!key.startsWith('objects/pack/tmp_pack_') || body instanceof Uint8Array) return this.inner.put(key, body, options);
    for await (const chunk of body as AsyncIterable<Uint8Array>) {
      options?.signal?.throwIfAborted();
      this.packBytes += chunk.byteLength;
    }
    return this.inner.put(key, new Uint8Array(0), options);
  }
  get: Storage['get'] = (key, options) => this.inner.get(key, options);
  getRange: Storage['getRange'] = (key, offset, length, options) => this.inner.getRange(key, offset, length, options);
  head: Storage['head'] = (key) => this.inner.head(key);
  list: Storage['list'] = (prefix) => this.inner.list(prefix);
  delete: Storage['delete'] = (keys) => this.inner.delete(keys);
  copy: Storage['copy'] = (from, to) => this.inner.copy(from, to);
  move: Storage['move'] = (from, to) => this.inner.move(from, to);
}

async function keysOf(storage: Storage): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of storage.list('')) keys.push(object.key);
  return keys;
}

/**
 * Runs a sync of `url` into a fresh memory storage that must fail with `code` within `maxSeconds`, growing RSS by
 * less than `maxRssGrowthMiB` (sampled every 50 ms), and leaving the storage (`given`, else a memory one) empty.
 */
async function expectFailure(
  url: string,
  expected: { code: string; message?: RegExp; maxSeconds: number; maxRssGrowthMiB?: number },
  options: MirrorOptions = {},
  given?: Storage,
): Promise<{ error: Error & { code: string }; rssGrowthMiB: number }> {
  const storage = given ?? (await openStorage('memory:'));
  global.gc?.();
  const rssBefore = process.memoryUsage.rss();
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage.rss())), 50);
  const started = performance.now();
  const error = await mirrorRepo(url, storage, { netrc: false, retries: 0, ...options }).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
  expect(error).toBeInstanceOf(Error);
  expect((error as { code?: string }).code, (error as Error).message).toBe(expected.code);
  if (expected.message) expect((error as Error).message).toMatch(expected.message);
  expect(seconds).toBeLessThan(expected.maxSeconds);
  const rssGrowthMiB = (rssPeak - rssBefore) / MiB;
  if (expected.maxRssGrowthMiB !== undefined) expect(rssGrowthMiB).toBeLessThan(expected.maxRssGrowthMiB);
  expect(await keysOf(storage)).toEqual([]);
  return { error: error as Error & { code: string }, rssGrowthMiB };
}

/** The valid one-blob pack, cut `cut` bytes before its end. */
const truncatedPack = (cut: number) => blobPack([BLOB]).subarray(0, -cut);

describe.each([0, 2] as const)('a hostile smart-HTTP source speaking protocol v%i', (version) => {
  const options: MirrorOptions = { protocolVersion: version };

  it('serves a valid pack the mirror publishes (the scripted server itself works)', async () => {
    const url = await serve(version, {});
    const storage = await openStorage('memory:');
    const result = await mirrorRepo(url, storage, { ...options, netrc: false });
    expect(result).toMatchObject({ protocolVersion: version, created: ['refs/tags/blob'], pack: { objects: 1 } });
    expect(await keysOf(storage)).toContain('packed-refs');
  });

  it('stops an endless advertisement at maxAdvertisementBytes', async () => {
    const url = await serve(version, {
      listing: (exchange) =>
        version === 2
          ? endlessRefs(exchange)
          : exchange.write(Buffer.concat([Buffer.from(refPacket('# service=git-upload-pack\n')), Buffer.from('0000')])).then(() =>
              endlessRefs(exchange, Buffer.from(refPacket(`${REFS[0].oid} refs/heads/main\0side-band-64k ofs-delta\n`))),
            ),
    });
    const { error } = await expectFailure(url, { code: 'LIMIT_EXCEEDED', message: /limit of 8388608 bytes/, maxSeconds: 10, maxRssGrowthMiB: 96 }, {
      ...options,
      maxAdvertisementBytes: 8 * MiB,
    });
    expect(error.message).toContain(url);
  });

  it('refuses more refs than maxRefs', async () => {
    const refs = Array.from({ length: 1001 }, (_, i) => ({ name: `refs/heads/b${i}`, oid: REFS[0].oid }));
    const url = await serve(version, { refs });
    await expectFailure(url, { code: 'LIMIT_EXCEEDED', message: /more than the limit of 1000 refs/, maxSeconds: 5 }, { ...options, maxRefs: 1000 });
  });

  it('refuses a pack declaring 2^32-1 objects before it grows anything', async () => {
    const url = await serve(version, {
      pack: async (exchange) => {
        await exchange.band(1, packHeader(0xffffffff));
        await exchange.endless(() => TINY_BLOBS);
      },
    });
    await expectFailure(url, { code: 'LIMIT_EXCEEDED', message: /declares 4294967295 objects/, maxSeconds: 5, maxRssGrowthMiB: 64 }, options);
  });

  it('streams an endless pack under a deadline in bounded memory, then ends with TIMEOUT', async () => {
    const url = await serve(version, {
      pack: async (exchange) => {
        await exchange.band(1, packHeader(200_000));
        await exchange.endless(() => RANDOM_BLOBS);
      },
    });
    const storage = new CountingStorage(await openStorage('memory:'));
    const limits = { code: 'TIMEOUT', message: /deadline of 4 s/, maxSeconds: 8, maxRssGrowthMiB: 160 };
    const { rssGrowthMiB } = await expectFailure(url, limits, { ...options, deadline: 4000, memoryBudget: 32 * MiB }, storage);
    console.log(`v${version} endless pack: ${(storage.packBytes / MiB).toFixed(0)} MiB streamed, RSS grew ${rssGrowthMiB.toFixed(0)} MiB`);
    expect(storage.packBytes).toBeGreaterThan(0);
  });

  it('ends a drip-fed pack at the deadline though the idle timeout never fires', async () => {
    const url = await serve(version, {
      pack: async (exchange) => {
        await exchange.band(1, packHeader(1));
        for (let at = 0; at < SLOW_ENTRY.length && (await exchange.band(1, SLOW_ENTRY.subarray(at, at + 10))); at += 10) await exchange.sleep(500);
      },
    });
    await expectFailure(url, { code: 'TIMEOUT', message: /deadline of 2 s/, maxSeconds: 5 }, { ...options, timeout: 5000, deadline: 2000 });
  });

  it('ends a drip-fed advertisement at the deadline', async () => {
    const url = await serve(version, { listing: (exchange) => exchange.drip(version === 2 ? lsRefsResponse(REFS) : v0Advertisement(REFS), 10, 500) });
    await expectFailure(url, { code: 'TIMEOUT', message: /deadline of 1500 ms/, maxSeconds: 5 }, { ...options, timeout: 5000, deadline: 1500 });
  });

  it('ends a pack slower than the minimum transfer rate', async () => {
    const url = await serve(version, {
      pack: async (exchange) => {
        await exchange.band(1, packHeader(1));
        for (let at = 0; at < SLOW_ENTRY.length && (await exchange.band(1, SLOW_ENTRY.subarray(at, at + 10))); at += 10) await exchange.sleep(50);
      },
    });
    await expectFailure(url, { code: 'TIMEOUT', message: /below the minimum transfer rate of 1024 bytes\/s/, maxSeconds: 5 }, {
      ...options,
      timeout: 5000,
      minTransferRate: 1024,
      minTransferRateWindow: 1000,
    });
  });

  it('fails on a band-3 error in the middle of the pack', async () => {
    const url = await serve(version, {
      pack: async (exchange) => {
        await exchange.band(1, truncatedPack(30));
        await exchange.band(3, 'fatal: the disk caught fire\n');
      },
    });
    await expectFailure(url, { code: 'REMOTE_ERROR', message: /the disk caught fire/, maxSeconds: 5 }, options);
  });

  it('fails on a truncated pack that ends with a flush', async () => {
    const url = await serve(version, { pack: (exchange) => exchange.band(1, truncatedPack(10)).then(() => exchange.flush()) });
    await expectFailure(url, { code: 'TRUNCATED', maxSeconds: 5 }, options);
  });

  it('fails when the server closes the connection mid-pack', async () => {
    const url = await serve(version, {
      pack: async (exchange) => {
        await exchange.band(1, truncatedPack(30));
        await exchange.sleep(50);
        exchange.destroy();
      },
    });
    await expectFailure(url, { code: 'CONNECTION_LOST', maxSeconds: 5 }, options);
  });

  it('fails when a pkt-line claims more bytes than the server sends before ending', async () => {
    const url = await serve(version, {
      pack: async (exchange) => {
        await exchange.band(1, packHeader(1));
        await exchange.write(Buffer.concat([Buffer.from('fff0\u0001'), blobEntry(BLOB)]));
      },
    });
    await expectFailure(url, { code: 'CONNECTION_LOST', maxSeconds: 5 }, options);
  });

  it('fails on a pack entry that lies about its size', async () => {
    // The type-and-size header of a 1000-byte blob, in front of the 28-byte blob's zlib stream.
    const body = Buffer.concat([packHeader(1), blobEntry('x'.repeat(1000)).subarray(0, 2), deflateSync(BLOB)]);
    const lying = Buffer.concat([body, createHash('sha1').update(body).digest()]);
    const url = await serve(version, { pack: (exchange) => exchange.band(1, lying).then(() => exchange.flush()) });
    const { error } = await expectFailure(url, { code: 'SIZE_MISMATCH', maxSeconds: 5 }, options);
    expect(error.message).toContain('declared 1000');
  });

  it('ends a pack that stops arriving at the idle timeout', async () => {
    const url = await serve(version, { pack: (exchange) => exchange.band(1, truncatedPack(30)).then(() => exchange.hang()) });
    await expectFailure(url, { code: 'TIMEOUT', message: /timed out/, maxSeconds: 5 }, { ...options, timeout: 1000 });
  });
});
