import { openStorage, type Storage } from '@gitmirror/dumb-storage';
import { afterEach, describe, expect, it } from 'vitest';
import type { MirrorOptions } from '../mirror-options.js';
import { mirrorRepo } from '../mirror-repo.js';
import { DEFAULT_MEMORY_BUDGET } from '../memory-plan.js';
import {
  blobEntry,
  blobId,
  isLsRefs,
  packHeader,
  sideBandPacket,
  startHostileHttpServer,
  v0Nak,
  v2Capabilities,
  v2PackfileSection,
  type HostileExchange,
  type HostileServer,
} from '../test-support/hostile-http-server.js';
import { DEFAULT_SOURCE_SHARE, INDEX_BYTES_PER_OBJECT, planSourceLimits } from './source-limits.js';

const MiB = 1024 * 1024;
const OID = blobId('limits\n');
/** One side-band packet of 4,000 tiny blob entries. */
const TINY_BLOBS = sideBandPacket(1, Buffer.concat(Array.from({ length: 4000 }, (_, i) => blobEntry(`${i}`))));

describe('planSourceLimits', () => {
  it('gives each side of the planning half the share, and the objects of a pack the share at the peak of indexing', () => {
    for (const share of [32 * MiB, 64 * MiB, 80 * MiB, 1024 * MiB]) {
      const limits = planSourceLimits(share);
      expect(limits.maxRefs).toBeGreaterThanOrEqual(100_000);
      expect(limits.maxPackObjects * INDEX_BYTES_PER_OBJECT).toBeLessThanOrEqual(share);
      expect((limits.maxPackObjects + 1) * INDEX_BYTES_PER_OBJECT).toBeGreaterThan(share);
    }
    expect(planSourceLimits(64 * MiB)).toEqual({ maxRefs: 153_216, maxAdvertisementBytes: 153_216 * 86, maxPackObjects: 447_392 });
    // 219 bytes per parsed ref with 40-character names (the measured figure) fit half the share.
    expect(planSourceLimits(1024 * MiB).maxRefs * 219).toBeLessThanOrEqual(512 * MiB);
    expect(planSourceLimits(16 * MiB).maxRefs).toBe(100_000);
  });

  it('assumes mirrorRepo’s default budget when given no share', () => {
    expect(DEFAULT_SOURCE_SHARE).toBe(DEFAULT_MEMORY_BUDGET);
  });
});

let server: HostileServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function refPacket(line: string): Buffer {
  return Buffer.from((line.length + 4).toString(16).padStart(4, '0') + line);
}

/** A source whose ref listing never ends (names `name(i)`), or, with `pack`, lists one ref and sends that pack. */
async function serve(version: 0 | 2, script: { name?: (i: number) => string; pack?: (exchange: HostileExchange) => Promise<unknown> }): Promise<string> {
  const name = script.name ?? ((i: number) => `refs/heads/branch-${i}-${'x'.repeat(60)}`);
  const listing = async (exchange: HostileExchange) => {
    if (script.pack) return exchange.write(Buffer.concat([refPacket(`${OID} refs/heads/main${version === 0 ? '\0side-band-64k ofs-delta' : ''}\n`), Buffer.from('0000')]));
    if (version === 0) await exchange.write(Buffer.concat([refPacket('# service=git-upload-pack\n'), Buffer.from('0000'), refPacket(`${OID} ${name(0)}\0side-band-64k ofs-delta\n`)]));
    // Many refs a write, as a server streaming a large listing does; each write waits for the client to read.
    await exchange.endless((i) => Buffer.concat(Array.from({ length: 256 }, (_, j) => refPacket(`${OID} ${name(1 + i * 256 + j)}\n`))));
  };
  server = await startHostileHttpServer({
    advertise: async (exchange) => {
      if (version === 2) await exchange.write(v2Capabilities());
      else if (script.pack) await exchange.write(Buffer.concat([refPacket('# service=git-upload-pack\n'), Buffer.from('0000')])).then(() => listing(exchange));
      else await listing(exchange);
    },
    uploadPack: async (exchange) => {
      if (version === 2 && isLsRefs(exchange.request.body)) return void (await listing(exchange));
      await exchange.write(version === 2 ? v2PackfileSection() : v0Nak());
      await script.pack?.(exchange);
    },
  });
  return server.url;
}

/** Syncs `url` into an empty memory storage, which must fail; returns the error and the peak RSS growth meanwhile. */
async function failingSync(url: string, options: MirrorOptions): Promise<{ error: Error & { code?: string }; rssGrowth: number; storage: Storage }> {
  const storage = await openStorage('memory:');
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 20);
  const error = await mirrorRepo(url, storage, { netrc: false, retries: 0, deadline: 30_000, ...options }).then(
    () => new Error('the sync succeeded'),
    (reason: unknown) => reason as Error,
  );
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage.rss());
  return { error, rssGrowth: peak - before, storage };
}

describe.each([0, 2] as const)('source limits that follow the memory budget, protocol v%i', (version) => {
  it('stops an endless advertisement at the derived byte limit, growing RSS by less than the share', async () => {
    const share = 64 * MiB;
    const url = await serve(version, {});
    // A first sync loads and compiles what any sync needs (undici, the parsers), which is not the listing's memory.
    expect((await failingSync(url, { protocolVersion: version, maxRefs: 1000 })).error.code).toBe('LIMIT_EXCEEDED');
    const { error, rssGrowth } = await failingSync(url, { protocolVersion: version, memoryBudget: share });
    expect(error.code, error.message).toBe('LIMIT_EXCEEDED');
    const { maxAdvertisementBytes } = planSourceLimits(share);
    expect(error.message).toContain(`exceeds the limit of ${maxAdvertisementBytes} bytes`);
    expect(error.message).toContain("the limit follows this repository's 64 MiB share of memory: raise --max-memory (memoryBudget), or set --max-advertisement");
    console.log(`v${version} endless advertisement under a 64 MiB share: RSS grew ${(rssGrowth / MiB).toFixed(1)} MiB`);
    expect(rssGrowth).toBeLessThan(share);
  });

  it('stops an endless listing of short names at the derived ref limit', async () => {
    const url = await serve(version, { name: (i) => `refs/tags/t${i}` });
    const { error } = await failingSync(url, { protocolVersion: version, memoryBudget: 32 * MiB });
    expect(error.code, error.message).toBe('LIMIT_EXCEEDED');
    expect(error.message).toContain('more than the limit of 100000 refs');
    expect(error.message).toMatch(/32 MiB share of memory: raise --max-memory \(memoryBudget\), or set --max-refs \(maxRefs\)$/);
  });

  it('names the explicit limit when the user set one', async () => {
    const url = await serve(version, { name: (i) => `refs/tags/t${i}` });
    const { error } = await failingSync(url, { protocolVersion: version, maxRefs: 5000 });
    expect(error.code).toBe('LIMIT_EXCEEDED');
    expect(error.message).toMatch(/more than the limit of 5000 refs .*; raise --max-refs \(maxRefs\) if the source is genuine$/);
  });

  it('refuses a pack declaring more objects than the share can index, before it grows anything', async () => {
    const share = 32 * MiB;
    const { maxPackObjects } = planSourceLimits(share);
    const url = await serve(version, {
      pack: async (exchange) => {
        await exchange.band(1, packHeader(maxPackObjects + 1));
        await exchange.endless(() => TINY_BLOBS);
      },
    });
    const { error, storage } = await failingSync(url, { protocolVersion: version, memoryBudget: share });
    expect(error.code, error.message).toBe('LIMIT_EXCEEDED');
    expect(error.message).toContain(`the pack declares ${maxPackObjects + 1} objects, more than the limit of ${maxPackObjects}`);
    expect(error.message).toContain("150 bytes an object at peak, and the limit follows this repository's 32 MiB share of memory: raise --max-memory");
    const keys: string[] = [];
    for await (const object of storage.list('')) keys.push(object.key);
    expect(keys).toEqual([]);
  });
});
