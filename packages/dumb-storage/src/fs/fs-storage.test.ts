import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NotFoundError, StorageError } from '../errors.js';
import { describeStorageContract } from '../test-support/contract-suite.js';
import { bytesOf } from '../test-support/generated-body.js';
import { createFsStorage } from './fs-storage.js';

const root = await mkdtemp(join(tmpdir(), 'dumb-storage-fs-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const text = (value: string) => new TextEncoder().encode(value);

describeStorageContract('filesystem', async () => createFsStorage(join(root, 'contract')), {
  storesContentType: false,
  leftovers: async (prefix) =>
    (await readdir(join(root, 'contract', prefix), { recursive: true })).filter((name) => name.includes('.gitmirror-')),
});

describe('filesystem sink', () => {
  it('shows the old version, and no temporary file, until a streamed put finishes', async () => {
    const storage = createFsStorage(join(root, 'atomic'));
    await storage.put('info/refs', text('old\n'));
    let release!: () => void;
    const paused = new Promise<void>((resolve) => (release = resolve));
    let reachedPause!: () => void;
    const atPause = new Promise<void>((resolve) => (reachedPause = resolve));
    const writing = storage.put(
      'info/refs',
      (async function* () {
        yield text('new, first half\n');
        reachedPause();
        await paused;
        yield text('new, second half\n');
      })(),
    );
    await atPause;
    expect(await readFile(join(root, 'atomic', 'info', 'refs'), 'utf8')).toBe('old\n');
    expect((await readdir(join(root, 'atomic', 'info'))).some((name) => name.startsWith('.gitmirror-tmp-'))).toBe(true);
    const listed = [];
    for await (const info of storage.list('')) listed.push(info.key);
    expect(listed).toEqual(['info/refs']);
    release();
    await writing;
    expect(Buffer.from(await bytesOf((await storage.get('info/refs')).body)).toString()).toBe('new, first half\nnew, second half\n');
    expect(await readdir(join(root, 'atomic', 'info'))).toEqual(['refs']);
  });

  it('waits for a held key lock and gives up after lockTimeoutMs', async () => {
    const storage = createFsStorage(join(root, 'locked'), { lockTimeoutMs: 200 });
    const { etag } = await storage.put('HEAD', text('ref: refs/heads/main\n'));
    await writeFile(join(root, 'locked', '.gitmirror-lock-HEAD'), '');
    const error = await storage.put('HEAD', text('ref: refs/heads/dev\n'), { ifMatch: etag }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StorageError);
    expect(error).toMatchObject({ code: 'StorageFailure', key: 'HEAD' });
    expect((await storage.head('HEAD')).etag).toBe(etag);
    expect((await readdir(join(root, 'locked'))).filter((name) => name.startsWith('.gitmirror-tmp-'))).toEqual([]);
  });

  it('breaks a lock left behind by a crashed writer once it is older than staleLockMs', async () => {
    const storage = createFsStorage(join(root, 'stale'), { lockTimeoutMs: 5_000, staleLockMs: 1_000 });
    const { etag } = await storage.put('HEAD', text('ref: refs/heads/main\n'));
    const lock = join(root, 'stale', '.gitmirror-lock-HEAD');
    await writeFile(lock, '');
    const longAgo = new Date(Date.now() - 60_000);
    await utimes(lock, longAgo, longAgo);
    await storage.put('HEAD', text('ref: refs/heads/dev\n'), { ifMatch: etag });
    expect(await readFile(join(root, 'stale', 'HEAD'), 'utf8')).toBe('ref: refs/heads/dev\n');
    expect(await readdir(join(root, 'stale'))).toEqual(['HEAD']);
  });

  it('treats a folder as no object', async () => {
    const storage = createFsStorage(join(root, 'folders'));
    await storage.put('objects/pack/pack-1.pack', text('PACK'));
    await expect(storage.get('objects/pack')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.head('objects')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.getRange('objects', 0, 1)).rejects.toBeInstanceOf(NotFoundError);
  });
});
