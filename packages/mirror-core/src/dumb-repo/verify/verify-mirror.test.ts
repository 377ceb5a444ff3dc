import { join } from 'node:path';
import { AccessDeniedError, ThrottledError, type IncompleteUpload, type Storage } from '@gitmirror/dumb-storage';
import { createMemoryStorage } from '@gitmirror/dumb-storage/memory';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mirrorRepo } from '../../mirror-repo.js';
import { commitFile, createSourceRepo, git, suiteDir } from '@gitmirror/test-servers';
import { readMirrorRefs } from '../read-refs.js';
import { verifyMirror } from './verify-mirror.js';

describe('verifyMirror', () => {
  const dir = suiteDir('mirror-verify-');
  const source = join(dir.path, 'source');
  let refCount: number;

  beforeAll(() => {
    createSourceRepo(source);
    commitFile(source, 'second.txt', 'second\n');
    refCount = git(source, 'for-each-ref').trim().split('\n').length;
  });
  afterAll(() => dir.remove());

  /** A fresh mirror of the source in memory, damaged by `damage`. */
  const mirror = async (damage: (storage: Storage, pack: string) => Promise<unknown> = async () => {}) => {
    const storage = createMemoryStorage();
    const result = await mirrorRepo(source, storage);
    await damage(storage, result.pack!.name);
    return storage;
  };
  const put = (storage: Storage, key: string, text: string) => storage.put(key, Buffer.from(text));

  it('finds nothing wrong with a mirror a sync wrote, quickly and in full', async () => {
    const storage = await mirror();
    for (const full of [false, true]) {
      const report = await verifyMirror(storage, { full });
      expect(report).toMatchObject({ target: storage.url, ok: true, refs: refCount, packs: 1, findings: [] });
      expect(report.objects).toBeGreaterThan(0);
    }
    expect((await readMirrorRefs(storage)).head).toEqual({ symref: 'refs/heads/develop' });
    expect((await readMirrorRefs(storage)).refs).toHaveLength(refCount);
  });

  it.each([
    ['a missing idx', (storage: Storage, pack: string) => storage.delete([`objects/pack/${pack.replace('.pack', '.idx')}`]), ['MISSING_IDX', 'MISSING_OBJECT']],
    ['a listed pack that is gone', (storage: Storage, pack: string) => storage.delete([`objects/pack/${pack}`]), ['LISTED_PACK_MISSING', 'ORPHAN_IDX', 'MISSING_OBJECT']],
    ['a HEAD of no known form', (storage: Storage) => put(storage, 'HEAD', 'nonsense\n'), ['BAD_HEAD']],
    ['a HEAD to an unlisted branch', (storage: Storage) => put(storage, 'HEAD', 'ref: refs/heads/gone\n'), ['HEAD_DANGLING']],
    ['no info/refs', (storage: Storage) => storage.delete(['info/refs']), ['MISSING_INFO_REFS', 'HEAD_DANGLING']],
  ])('reports %s as errors', async (_, damage, codes) => {
    const report = await verifyMirror(await mirror(damage));
    expect(report.ok).toBe(false);
    expect([...new Set(report.findings.map((finding) => finding.code))].sort()).toEqual([...codes].sort());
    expect(report.findings.every((finding) => finding.severity === 'error')).toBe(true);
  });

  it('warns about the leftovers of a killed sync without failing', async () => {
    const storage = await mirror((storage) => put(storage, 'objects/pack/tmp_pack_0123', 'partial'));
    const report = await verifyMirror(storage);
    expect(report.ok).toBe(true);
    expect(report.findings).toEqual([
      {
        severity: 'warning',
        code: 'LEFTOVER_TEMP_PACK',
        key: 'objects/pack/tmp_pack_0123',
        message: expect.stringMatching(/is a temporary pack.*the next sync removes it once it is older than its grace period$/),
      },
    ]);
  });

  it('checks the rest when the credentials may not list incomplete uploads, and fails on any other listing error', async () => {
    const failingListing = (error: Error) =>
      Object.assign(createMemoryStorage(), {
        listIncompleteUploads: async function* (): AsyncGenerator<IncompleteUpload> {
          throw error;
        },
      });
    const denied = failingListing(new AccessDeniedError('ListMultipartUploads: AccessDenied (HTTP 403)'));
    await mirrorRepo(source, denied);
    expect(await verifyMirror(denied)).toMatchObject({ ok: true, refs: refCount, findings: [] });
    const throttled = new ThrottledError('ListMultipartUploads: SlowDown (HTTP 503)');
    const slow = failingListing(throttled);
    await mirrorRepo(source, slow);
    await expect(verifyMirror(slow)).rejects.toBe(throttled);
  });

  it('reports a pack whose body is corrupt only when reading it in full', async () => {
    const storage = await mirror(async (storage, pack) => {
      const key = `objects/pack/${pack}`;
      const { body } = await storage.get(key);
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const bytes = Buffer.concat(chunks);
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      await storage.put(key, bytes);
    });
    expect((await verifyMirror(storage)).ok).toBe(true);
    const full = await verifyMirror(storage, { full: true });
    expect(full.ok).toBe(false);
    expect(full.findings.map((finding) => finding.code)).toContain('PACK_CHECKSUM_MISMATCH');
  });
});
