import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError, type Body, type PutOptions, type Storage } from '@gitmirror/dumb-storage';
import { createMemoryStorage } from '@gitmirror/dumb-storage/memory';
import { PackError } from '@gitmirror/git-pack-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planRepositoryMemory } from '../memory-plan.js';
import { git, suiteDir } from '@gitmirror/test-servers';
import { storePack } from './store-pack.js';

const memory = planRepositoryMemory(64 * 1024 * 1024, { s3: false });

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.length; offset += size) {
    await sleep(0);
    yield bytes.subarray(offset, offset + size);
  }
}

/** A storage whose puts stop reading after `limit` bytes and, after cleaning up for a while, fail as a missing bucket does. */
function failingPuts(inner: Storage, limit: number): Storage {
  return {
    ...inner,
    url: inner.url,
    get: inner.get.bind(inner),
    getRange: inner.getRange.bind(inner),
    head: inner.head.bind(inner),
    list: inner.list.bind(inner),
    copy: inner.copy.bind(inner),
    move: inner.move.bind(inner),
    delete: inner.delete.bind(inner),
    async put(key: string, body: Body, _options?: PutOptions) {
      let read = 0;
      for await (const chunk of body instanceof Uint8Array ? [body] : body) {
        read += chunk.byteLength;
        if (read > limit) break;
      }
      await sleep(30);
      throw new NotFoundError(`the bucket of ${key} does not exist`, { key });
    },
  };
}

async function keys(storage: Storage): Promise<string[]> {
  const found: string[] = [];
  for await (const object of storage.list('')) found.push(object.key);
  return found;
}

describe('storePack', () => {
  const dir = suiteDir('store-pack-');
  let pack: Uint8Array;
  let deltaPack: Uint8Array;

  beforeAll(() => {
    const repo = join(dir.path, 'repo');
    mkdirSync(repo, { recursive: true });
    git(repo, 'init', '-q');
    for (let index = 0; index < 8; index++) writeFileSync(join(repo, `file-${index}.bin`), randomBytes(128 * 1024));
    git(repo, 'add', '.');
    git(repo, '-c', 'user.name=A', '-c', 'user.email=a@example.com', 'commit', '-q', '-m', 'random files');
    pack = execFileSync('git', ['-C', repo, 'pack-objects', '--stdout', '--revs', '-q'], { input: 'HEAD\n', maxBuffer: 64 * 1024 * 1024 });
    for (let round = 0; round < 6; round++) {
      for (let index = 0; index < 8; index++) appendFileSync(join(repo, `file-${index}.bin`), randomBytes(1024));
      git(repo, '-c', 'user.name=A', '-c', 'user.email=a@example.com', 'commit', '-q', '-a', '-m', `round ${round}`);
    }
    deltaPack = execFileSync('git', ['-C', repo, 'pack-objects', '--stdout', '--revs', '-q'], { input: 'HEAD\n', maxBuffer: 64 * 1024 * 1024 });
  });
  afterAll(() => dir.remove());

  it('stores and indexes the pack under a temporary key', async () => {
    const storage = createMemoryStorage();
    const stored = await storePack(storage, chunksOf(pack, 65_536), { memory });
    expect(stored?.objectCount).toBe(10);
    expect(stored?.packSize).toBe(pack.length);
    expect(await keys(storage)).toEqual([stored!.tempKey]);
    expect(stored?.readBack).toEqual({ requests: 0, bytes: 0, passes: 0 });
  });

  it('reports what resolving deltas read back of the pack when their bases did not stay cached', async () => {
    const storage = createMemoryStorage();
    const small = { tee: 64 * 1024, packCopy: 0, indexer: 1024 * 1024 };
    const stored = await storePack(storage, chunksOf(deltaPack, 65_536), { memory: small });
    expect(stored?.objectCount).toBe(8 * 7 + 7 * 2);
    expect(stored?.readBack.requests).toBeGreaterThan(0);
    expect(stored?.readBack.bytes).toBeGreaterThan(0);
    expect(stored?.readBack.passes).toBeGreaterThan(0);
  });

  it("reports the upload's storage error, not the indexer stopping because of it, and leaves nothing behind", async () => {
    const storage = createMemoryStorage();
    const failure = storePack(failingPuts(storage, 256 * 1024), chunksOf(pack, 65_536), { memory });
    await expect(failure).rejects.toBeInstanceOf(NotFoundError);
    await expect(failure).rejects.toThrow(/bucket of objects\/pack\/tmp_pack_\w+ does not exist/);
    expect(await keys(storage)).toEqual([]);
  });

  it("reports the indexer's error, not the upload stopping because of it", async () => {
    const corrupt = Uint8Array.from(pack);
    corrupt.fill(0xff, 4096, 8192);
    const storage = createMemoryStorage();
    await expect(storePack(storage, chunksOf(corrupt, 65_536), { memory })).rejects.toBeInstanceOf(PackError);
    expect(await keys(storage)).toEqual([]);
  });
});
