import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidKeyError, LockedError, NotFoundError } from '../errors.js';
import { describeStorageContract } from '../test-support/contract-suite.js';
import { bytesOf, generatedBody, sha256Of } from '../test-support/generated-body.js';
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
  it('stores a body streamed in network-sized chunks byte for byte through its write buffer', async () => {
    const storage = createFsStorage(join(root, 'coalesced'), { writeBufferSize: 256 * 1024 });
    const body = generatedBody(3 * 1024 * 1024 + 777, { seed: 5, chunkSize: 16_411 });
    await storage.put('objects/pack/pack-1.pack', body);
    expect(await sha256Of((await storage.get('objects/pack/pack-1.pack')).body)).toBe(body.digest());
    expect((await storage.head('objects/pack/pack-1.pack')).size).toBe(3 * 1024 * 1024 + 777);
  });

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
    expect(error).toBeInstanceOf(LockedError);
    expect(error).toMatchObject({ code: 'LOCKED', key: 'HEAD' });
    expect((error as Error).message).toMatch(/held by an unknown process, \d+ s old; .*delete it if no sync writes to this folder/);
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

  it('writes its pid, host and time into the lock file and names them when another writer waits too long', async () => {
    const storage = createFsStorage(join(root, 'owned'), { lockTimeoutMs: 200, staleLockMs: 60_000 });
    await storage.put('packed-refs', text('# pack-refs with: peeled fully-peeled sorted \n'));
    const lock = join(root, 'owned', '.gitmirror-lock-packed-refs');
    const owner = { pid: process.pid, hostname: hostname(), time: new Date().toISOString() };
    await writeFile(lock, JSON.stringify(owner));
    const error = await storage.put('packed-refs', text('x')).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LockedError);
    expect((error as Error).message).toContain(`${lock} is held by process ${process.pid} on ${hostname()} (since ${owner.time}), 0 s old`);
    expect((error as Error).message).not.toMatch(/s3/i);
  });

  it('breaks at once a lock whose owner process on this host is gone', async () => {
    const storage = createFsStorage(join(root, 'dead-owner'), { lockTimeoutMs: 60_000, staleLockMs: 60_000 });
    await storage.put('packed-refs', text('old\n'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const lock = join(root, 'dead-owner', '.gitmirror-lock-packed-refs');
    await writeFile(lock, JSON.stringify({ pid: Number(dead.stdout), hostname: hostname(), time: new Date().toISOString() }));
    const started = Date.now();
    await storage.put('packed-refs', text('new\n'));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await readFile(join(root, 'dead-owner', 'packed-refs'), 'utf8')).toBe('new\n');
    expect(await readdir(join(root, 'dead-owner'))).toEqual(['packed-refs']);
  });

  it('waits for a lock of another host until it is older than staleLockMs, whatever its pid', async () => {
    const storage = createFsStorage(join(root, 'other-host'), { lockTimeoutMs: 300, staleLockMs: 2_000 });
    await storage.put('HEAD', text('ref: refs/heads/main\n'));
    const lock = join(root, 'other-host', '.gitmirror-lock-HEAD');
    await writeFile(lock, JSON.stringify({ pid: 999_999_999, hostname: `not-${hostname()}`, time: new Date().toISOString() }));
    await expect(storage.put('HEAD', text('ref: refs/heads/dev\n'))).rejects.toBeInstanceOf(LockedError);
    const longAgo = new Date(Date.now() - 10_000);
    await utimes(lock, longAgo, longAgo);
    await storage.put('HEAD', text('ref: refs/heads/dev\n'));
    expect(await readFile(join(root, 'other-host', 'HEAD'), 'utf8')).toBe('ref: refs/heads/dev\n');
  });

  it('refuses keys that resolve through a symbolic link to outside the root', async () => {
    const outside = join(root, 'outside');
    await mkdir(join(outside, 'pack'), { recursive: true });
    await writeFile(join(outside, 'pack', 'secret.pack'), 'outside');
    const mirror = join(root, 'symlinked');
    await mkdir(mirror, { recursive: true });
    await symlink(outside, join(mirror, 'objects'));
    await symlink(join(outside, 'pack', 'secret.pack'), join(mirror, 'HEAD'));
    const storage = createFsStorage(mirror);
    await expect(storage.put('objects/pack/pack-1.pack', text('PACK'))).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(storage.get('objects/pack/secret.pack')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(storage.getRange('objects/pack/secret.pack', 0, 1)).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(storage.head('HEAD')).rejects.toMatchObject({ code: 'INVALID_KEY', key: 'HEAD' });
    await expect(storage.delete(['objects/pack/secret.pack'])).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(storage.move('objects/pack/secret.pack', 'stolen')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect(storage.copy('HEAD', 'stolen')).rejects.toBeInstanceOf(InvalidKeyError);
    await expect((async () => {
      for await (const info of storage.list('objects/pack/')) void info;
    })()).rejects.toBeInstanceOf(InvalidKeyError);
    expect(await readdir(join(outside, 'pack'))).toEqual(['secret.pack']);
    expect(await readdir(mirror)).toEqual(['HEAD', 'objects']);
    const inside = createFsStorage(join(root, 'symlink-inside'));
    await inside.put('real/HEAD', text('ref: refs/heads/main\n'));
    await symlink(join(root, 'symlink-inside', 'real'), join(root, 'symlink-inside', 'alias'));
    expect((await inside.head('alias/HEAD')).size).toBe(21);
    await symlink(join(root, 'symlink-inside'), join(root, 'root-alias'));
    const throughAlias = createFsStorage(join(root, 'root-alias'));
    await throughAlias.put('objects/info/packs', text('\n'));
    expect((await throughAlias.head('real/HEAD')).size).toBe(21);
  });

  it('lists the temporary files killed writers left, and deletes only those idle since the cutoff', async () => {
    const storage = createFsStorage(join(root, 'leftovers'));
    await storage.put('objects/pack/pack-1.pack', text('PACK'));
    const old = join(root, 'leftovers', 'objects', 'pack', '.gitmirror-tmp-old');
    const fresh = join(root, 'leftovers', 'info', '.gitmirror-tmp-fresh');
    await mkdir(join(root, 'leftovers', 'info'), { recursive: true });
    await writeFile(old, 'partial');
    await writeFile(fresh, 'partial');
    await writeFile(join(root, 'leftovers', '.gitmirror-lock-HEAD'), '');
    const longAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, longAgo, longAgo);
    const listed = [];
    for await (const upload of storage.listIncompleteUploads('')) listed.push(upload);
    expect(listed.map(({ kind, key }) => ({ kind, key }))).toEqual([
      { kind: 'temporary-file', key: 'info/.gitmirror-tmp-fresh' },
      { kind: 'temporary-file', key: 'objects/pack/.gitmirror-tmp-old' },
    ]);
    expect(listed[1].lastActivity.getTime()).toBe(longAgo.getTime());
    const aborted = await storage.abortIncompleteUploads('', new Date(Date.now() - 60_000));
    expect(aborted.map((upload) => upload.key)).toEqual(['objects/pack/.gitmirror-tmp-old']);
    expect(await readdir(join(root, 'leftovers', 'objects', 'pack'))).toEqual(['pack-1.pack']);
    expect(await readdir(join(root, 'leftovers', 'info'))).toEqual(['.gitmirror-tmp-fresh']);
    const underPack = [];
    for await (const upload of storage.listIncompleteUploads('objects/')) underPack.push(upload);
    expect(underPack).toEqual([]);
  });

  it('gives each object its modification time', async () => {
    const storage = createFsStorage(join(root, 'times'));
    const before = Date.now();
    await storage.put('HEAD', text('ref: refs/heads/main\n'));
    const info = await storage.head('HEAD');
    expect(info.lastModified!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    for await (const listed of storage.list('')) expect(listed.lastModified).toEqual(info.lastModified);
  });

  it('treats a folder as no object', async () => {
    const storage = createFsStorage(join(root, 'folders'));
    await storage.put('objects/pack/pack-1.pack', text('PACK'));
    await expect(storage.get('objects/pack')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.head('objects')).rejects.toBeInstanceOf(NotFoundError);
    await expect(storage.getRange('objects', 0, 1)).rejects.toBeInstanceOf(NotFoundError);
  });
});
