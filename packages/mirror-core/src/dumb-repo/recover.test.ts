import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFsStorage, type FsStorage } from '@gitmirror/dumb-storage/fs';
import { AccessDeniedError, type IncompleteUpload } from '@gitmirror/dumb-storage';
import { createMemoryStorage } from '@gitmirror/dumb-storage/memory';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { suiteDir } from '@gitmirror/test-servers';
import { readTargetStateAndRecover, removeLeftovers } from './recover.js';

const HOUR = 3_600_000;
const sha = (digit: string) => digit.repeat(40);

describe('removeLeftovers', () => {
  const dir = suiteDir('mirror-core-recover-');
  let root: string;
  let storage: FsStorage;
  let run = 0;
  afterAll(() => dir.remove());
  beforeEach(() => {
    root = join(dir.path, `mirror-${run++}`);
    mkdirSync(join(root, 'objects', 'pack'), { recursive: true });
    mkdirSync(join(root, 'objects', 'info'), { recursive: true });
    storage = createFsStorage(root);
  });

  /** Writes a file of the mirror, last modified `ageMs` ago. */
  const file = (key: string, ageMs: number, body = 'x') => {
    const path = join(root, ...key.split('/'));
    writeFileSync(path, body);
    const when = new Date(Date.now() - ageMs);
    utimesSync(path, when, when);
  };
  const packFiles = () => readdirSync(join(root, 'objects', 'pack')).sort();

  it('deletes stale temporary packs, unlisted packs and idx files, and temporary files; keeps the rest', async () => {
    file('objects/info/packs', 2 * HOUR, `P pack-${sha('a')}.pack\n\n`);
    file(`objects/pack/pack-${sha('a')}.pack`, 2 * HOUR);
    file(`objects/pack/pack-${sha('a')}.idx`, 2 * HOUR);
    file(`objects/pack/pack-${sha('b')}.pack`, 2 * HOUR);
    file(`objects/pack/pack-${sha('b')}.idx`, 2 * HOUR);
    file(`objects/pack/pack-${sha('c')}.pack`, 2 * HOUR);
    file(`objects/pack/pack-${sha('d')}.idx`, 2 * HOUR);
    file('objects/pack/tmp_pack_0123456789abcdef', 2 * HOUR);
    file('objects/pack/.gitmirror-tmp-killed', 2 * HOUR);
    file('.gitmirror-tmp-killed-head', 2 * HOUR);
    const removed = await removeLeftovers(storage, [`pack-${sha('a')}.pack`], { graceMs: HOUR });
    expect(removed.sort()).toEqual(
      [
        '.gitmirror-tmp-killed-head',
        'objects/pack/.gitmirror-tmp-killed',
        'objects/pack/tmp_pack_0123456789abcdef',
        `objects/pack/pack-${sha('b')}.pack`,
        `objects/pack/pack-${sha('b')}.idx`,
        `objects/pack/pack-${sha('c')}.pack`,
        `objects/pack/pack-${sha('d')}.idx`,
      ].sort(),
    );
    expect(packFiles()).toEqual([`pack-${sha('a')}.idx`, `pack-${sha('a')}.pack`]);
    expect(readdirSync(root).sort()).toEqual(['objects']);
  });

  it('keeps what a sync still running may own: anything written within the grace period', async () => {
    file('objects/info/packs', 2 * HOUR, '\n');
    file('objects/pack/tmp_pack_recent', 60_000);
    file(`objects/pack/pack-${sha('e')}.pack`, 2 * HOUR);
    file(`objects/pack/pack-${sha('e')}.idx`, 1_000);
    file(`objects/pack/pack-${sha('f')}.pack`, 60_000);
    file('objects/pack/.gitmirror-tmp-writing', 1_000);
    const removed = await removeLeftovers(storage, [], { graceMs: HOUR });
    expect(removed).toEqual([]);
    expect(packFiles()).toEqual(
      ['.gitmirror-tmp-writing', `pack-${sha('e')}.idx`, `pack-${sha('e')}.pack`, `pack-${sha('f')}.pack`, 'tmp_pack_recent'].sort(),
    );
  });

  it('keeps a pack another writer listed after this sync read the packs list', async () => {
    file('objects/info/packs', 1_000, `P pack-${sha('1')}.pack\n\n`);
    file(`objects/pack/pack-${sha('1')}.pack`, 2 * HOUR);
    file(`objects/pack/pack-${sha('1')}.idx`, 2 * HOUR);
    expect(await removeLeftovers(storage, [], { graceMs: HOUR })).toEqual([]);
    expect(packFiles()).toEqual([`pack-${sha('1')}.idx`, `pack-${sha('1')}.pack`]);
  });

  it('lists once and writes nothing when there is nothing to remove (a sink without incomplete uploads)', async () => {
    const memory = createMemoryStorage();
    await memory.put(`objects/pack/pack-${sha('a')}.pack`, new Uint8Array(1));
    const calls: string[] = [];
    const counting = new Proxy(memory, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(property));
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    expect(await removeLeftovers(counting, [`pack-${sha('a')}.pack`], { graceMs: 0 })).toEqual([]);
    expect(calls).toEqual(['list']);
  });

  it('still removes stale packs when the credentials may not list incomplete uploads', async () => {
    const memory = Object.assign(createMemoryStorage(), {
      abortIncompleteUploads: async (): Promise<IncompleteUpload[]> => {
        throw new AccessDeniedError('ListMultipartUploads: AccessDenied (HTTP 403)');
      },
    });
    await memory.put('objects/pack/tmp_pack_killed', new Uint8Array(1));
    // Written just now: a negative grace period makes it stale.
    expect(await removeLeftovers(memory, [], { graceMs: -1_000 })).toEqual(['objects/pack/tmp_pack_killed']);
  });

  it('does nothing when the credentials may not list the pack folder', async () => {
    const memory = Object.assign(createMemoryStorage(), {
      list: async function* () {
        throw new AccessDeniedError('ListObjectsV2: AccessDenied (HTTP 403)');
      },
    });
    await memory.put('objects/pack/tmp_pack_killed', new Uint8Array(1));
    expect(await removeLeftovers(memory, [], { graceMs: -1_000 })).toEqual([]);
    expect((await memory.head('objects/pack/tmp_pack_killed')).size).toBe(1);
  });
});

describe('readTargetStateAndRecover', () => {
  const dir = suiteDir('mirror-core-recover-start-');
  afterAll(() => dir.remove());

  it('removes stale leftovers at the start of a sync, but not in a dry run', async () => {
    const root = join(dir.path, 'mirror');
    mkdirSync(join(root, 'objects', 'pack'), { recursive: true });
    const leftover = join(root, 'objects', 'pack', 'tmp_pack_killed');
    writeFileSync(leftover, 'partial');
    const longAgo = new Date(Date.now() - 2 * HOUR);
    utimesSync(leftover, longAgo, longAgo);
    const storage = createFsStorage(root);
    expect(await readTargetStateAndRecover(storage, { dryRun: true })).toMatchObject({ refs: [], packs: [] });
    expect(readdirSync(join(root, 'objects', 'pack'))).toEqual(['tmp_pack_killed']);
    await readTargetStateAndRecover(storage, { leftoverGraceMs: 3 * HOUR });
    expect(readdirSync(join(root, 'objects', 'pack'))).toEqual(['tmp_pack_killed']);
    await readTargetStateAndRecover(storage, {});
    expect(readdirSync(join(root, 'objects', 'pack'))).toEqual([]);
  });
});
