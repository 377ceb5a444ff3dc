import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createMemoryStorage, type MemoryStorage } from '@gitmirror/dumb-storage/memory';
import { commitFile, forEachRef, git, startStaticServer, suiteDir } from '@gitmirror/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorRepo } from './mirror-repo.js';
import { expectClonesAs } from './test-support/verify.js';

// Issue #11: a mirror must never fail on a valid repository because of its budget. Under a 32 MiB
// budget the indexer materialises objects of about 12 MiB at most; these are 20 MB and more, stored
// as deltas on each other, and must be hashed as they are rebuilt from the stored pack.

const MB = 1000 * 1000;

/** `content` with `replacement` over its bytes from `at`, then `inserted` put in at `insertAt`. */
function edited(content: Buffer, at: number, replacement: Buffer, insertAt: number, inserted: Buffer): Buffer {
  const copy = Buffer.from(content);
  replacement.copy(copy, at);
  return Buffer.concat([copy.subarray(0, insertAt), inserted, copy.subarray(insertAt)]);
}

/** Writes every object of `storage` under `folder`, to serve it as a static site. */
async function dump(storage: MemoryStorage, folder: string): Promise<void> {
  for await (const { key, size } of storage.list('')) {
    const path = join(folder, key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, size === 0 ? new Uint8Array(0) : await storage.getRange(key, 0, size));
  }
}

describe('mirrorRepo of a repository with objects over the object limit, under a 32 MiB budget', () => {
  const dir = suiteDir('mirror-core-big-');
  const source = join(dir.path, 'source');
  let server: Awaited<ReturnType<typeof startStaticServer>>;

  beforeAll(async () => {
    mkdirSync(source, { recursive: true });
    git(source, 'init', '-q', '-b', 'main');
    // A chain of three versions of 20, 21 and 22 MB, then small edits of the last: deltas of 21 MB
    // on 20 MB bases (or the reverse, as git chooses), chains of them and small deltas on a big base.
    const v1 = randomBytes(20 * MB);
    const v2 = edited(v1, 4 * MB, randomBytes(MB), 8 * MB, randomBytes(MB));
    const v3 = edited(v2, 14 * MB, randomBytes(MB), 18 * MB, randomBytes(MB));
    for (const [k, version] of [v1, v2, v3].entries()) commitFile(source, 'big.bin', version, `version ${k + 1}`);
    for (let k = 0; k < 3; k++) {
      const touched = Buffer.from(v3);
      randomBytes(16).copy(touched, (k + 1) * 5 * MB);
      commitFile(source, 'big.bin', touched, `touch ${k + 1}`);
    }
    git(source, 'tag', 'v1', 'HEAD~3');
    git(source, 'repack', '-adfq', '--depth=50', '--window=10');
    mkdirSync(join(dir.path, 'site'));
    server = await startStaticServer({ root: join(dir.path, 'site') });
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  it('clones', async () => {
    const verified = git(source, 'verify-pack', '-v', ...packIndexes(source));
    const depths = verified
      .split('\n')
      .map((line) => line.split(/\s+/))
      .filter((fields) => fields[1] === 'blob' && fields.length >= 7)
      .map((fields) => Number(fields[5]));
    // The source's pack holds the shapes under test: a delta chain of big blobs, and several deltas.
    expect(depths.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...depths)).toBeGreaterThanOrEqual(2);

    const storage = createMemoryStorage('big');
    const result = await mirrorRepo(source, storage, { memoryBudget: 32 * 1024 * 1024 });
    expect(result.upToDate).toBe(false);
    expect(result.pack?.objects).toBe(Number(git(source, 'count-objects', '-v').match(/in-pack: (\d+)/)![1]));
    expect(result.readBack?.bytes).toBeGreaterThan(0);

    await dump(storage, join(dir.path, 'site', 'mirror'));
    await expectClonesAs(`${server.url}/mirror`, forEachRef(source), 'refs/heads/main');
  });
});

/** The .idx files of the packs of work-tree repository `repo`. */
function packIndexes(repo: string): string[] {
  const packs = join(repo, '.git', 'objects', 'pack');
  return readdirSync(packs)
    .filter((name) => name.endsWith('.idx'))
    .map((name) => join(packs, name));
}
